"""Find the corpus files, read and clean each one, and attach what the manifest says."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from assistant.ingest.manifest import MANIFEST_NAME, ManifestEntry, read_manifest
from assistant.ingest.readers import READERS, UnreadableFile
from assistant.ingest.structure import parse_structure
from assistant.lang import detect_language
from assistant.records import Document
from assistant.sectors import sectors_in_text

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = tuple(sorted(READERS))


@dataclass(frozen=True)
class IngestProblem:
    """A file that was skipped, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"skipped {self.path}: {self.reason}"


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Return the supported files under the corpus folder, in a stable order."""
    files = [
        path
        for path in corpus_dir.rglob("*")
        if path.is_file()
        and path.suffix.lower() in READERS
        and path.name != MANIFEST_NAME
        and not any(part.startswith(".") for part in path.relative_to(corpus_dir).parts)
        and path.name.lower() != "readme.md"
    ]
    return sorted(files, key=lambda path: path.relative_to(corpus_dir).as_posix())


def slugify(text: str) -> str:
    """Return a lower-case ASCII id made of the text's words."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "document"


def file_hash(path: Path) -> str:
    """Return the SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_document(
    path: Path, corpus_dir: Path, entry: ManifestEntry | None = None, content_hash: str | None = None
) -> Document:
    """Read, clean and describe one file; raise UnreadableFile when it holds no usable text.

    `content_hash` is the file's SHA-256 when the caller has already computed it.
    """
    relative = path.relative_to(corpus_dir).as_posix()
    reader = READERS[path.suffix.lower()]
    try:
        raw_text = reader(path)
    except UnreadableFile:
        raise
    except Exception as error:  # a damaged file must not stop the rest of the corpus
        raise UnreadableFile(f"{type(error).__name__}: {error}") from error
    text, blocks, found_title = parse_structure(raw_text)
    if not blocks or len(text.split()) < 3:
        raise UnreadableFile("no text found after cleaning")
    entry = entry or ManifestEntry(doc_id=slugify(path.stem), file=relative)
    lang = entry.lang or detect_language(text)
    title = entry.title or found_title or path.stem.replace("_", " ").replace("-", " ")
    return Document(
        doc_id=entry.doc_id,
        title=title,
        lang=lang,
        text=text,
        blocks=blocks,
        path=relative,
        organisation=entry.organisation,
        kind=entry.kind,
        source=entry.source,
        year=entry.year,
        translation_of=entry.translation_of,
        # A file the manifest does not describe concerns the sectors its title names.
        sectors=entry.sectors or sectors_in_text(title),
        content_hash=content_hash or file_hash(path),
    )


def load_documents(
    corpus_dir: Path, hashes: Mapping[str, str] | None = None, on_file: Callable[[int, int], object] | None = None
) -> tuple[list[Document], list[IngestProblem]]:
    """Load every readable file of the corpus; report the others instead of stopping.

    `hashes` maps relative paths to SHA-256s already computed (by the build), so that no
    file is hashed twice; `on_file(read, total)` is called before each file is read.
    """
    manifest = read_manifest(corpus_dir)
    documents: list[Document] = []
    problems: list[IngestProblem] = []
    used_ids: set[str] = set()
    paths = corpus_files(corpus_dir)
    for number, path in enumerate(paths):
        if on_file:
            on_file(number, len(paths))
        relative = path.relative_to(corpus_dir).as_posix()
        try:
            document = load_document(path, corpus_dir, manifest.get(relative), (hashes or {}).get(relative))
        except (UnreadableFile, OSError) as error:
            problem = IngestProblem(relative, str(error))
            log.warning("%s", problem)
            problems.append(problem)
            continue
        if document.doc_id in used_ids:  # two files with the same stem in different folders
            document = _with_id(document, slugify(relative))
        used_ids.add(document.doc_id)
        documents.append(document)
    return documents, problems


def _with_id(document: Document, doc_id: str) -> Document:
    from dataclasses import replace

    return replace(document, doc_id=doc_id)
