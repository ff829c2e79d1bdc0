"""Find the corpus files, read and clean each one, and attach what the manifest says."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from assistant.ingest.files import IngestProblem, UnreadableFile, read_corpus_file, scan_corpus
from assistant.ingest.limits import FileLimits
from assistant.ingest.manifest import MANIFEST_NAME, ManifestEntry, load_manifest
from assistant.ingest.readers import READERS, too_much_text
from assistant.ingest.structure import parse_structure
from assistant.lang import detect_language
from assistant.records import Document
from assistant.sectors import sectors_in_text

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = tuple(sorted(READERS))


def slugify(text: str) -> str:
    """Return a lower-case ASCII id made of the text's words."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "document"


def load_document(
    path: Path, corpus_dir: Path, entry: ManifestEntry | None = None, limits: FileLimits | None = None
) -> Document:
    """Read, clean and describe one file; raise UnreadableFile when it holds no usable text."""
    limits = limits or FileLimits.from_environment()
    relative = path.relative_to(corpus_dir).as_posix()
    reader = READERS[path.suffix.lower()]
    raw = read_corpus_file(path, corpus_dir, limits)
    try:
        raw_text = reader(raw, limits)
    except UnreadableFile:
        raise
    except Exception as error:  # a damaged file must not stop the rest of the corpus
        raise UnreadableFile(f"{type(error).__name__}: {error}") from error
    too_much_text(len(raw_text), limits)
    # NUL is no text a person wrote, wherever it is (a PDF's or a DOCX's too): it must not reach a page.
    text, blocks, found_title = parse_structure(raw_text.replace("\x00", ""))
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
        content_hash=hashlib.sha256(raw).hexdigest(),
    )


def load_documents(
    corpus_dir: Path, limits: FileLimits | None = None, on_file: Callable[[int, int], object] | None = None
) -> tuple[list[Document], list[IngestProblem]]:
    """Load every readable file of the corpus; report the others (and ignored manifest values).

    `on_file(read, total)` is called before each file is read (a build's progress).
    """
    limits = limits or FileLimits.from_environment()
    manifest, manifest_problems = load_manifest(corpus_dir)
    files, problems = scan_corpus(corpus_dir)
    problems = [*(IngestProblem(MANIFEST_NAME, text, skipped=False) for text in manifest_problems), *problems]
    for problem in problems:
        log.warning("%s", problem)
    documents: list[Document] = []
    used_ids: set[str] = set()
    for number, path in enumerate(files):
        if on_file:
            on_file(number, len(files))
        relative = path.relative_to(corpus_dir).as_posix()
        try:
            document = load_document(path, corpus_dir, manifest.get(relative), limits)
        except UnreadableFile as error:
            problem = IngestProblem(relative, str(error))
            log.warning("%s", problem)
            problems.append(problem)
            continue
        if document.doc_id in used_ids:  # two files with the same stem in different folders
            document = replace(document, doc_id=slugify(relative))
        used_ids.add(document.doc_id)
        documents.append(document)
    return documents, problems
