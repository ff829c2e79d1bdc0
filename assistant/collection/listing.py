"""Every document of the collection with what became of it: indexed, new, changed, skipped, missing."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.index import IndexProblem
from assistant.index.document_table import DocumentTable
from assistant.index.manifest import read_manifest as read_index_manifest
from assistant.index.passage_table import PassageTable
from assistant.ingest.files import corpus_files, file_hash
from assistant.ingest.loader import slugify
from assistant.ingest.manifest import ManifestEntry, read_manifest

# What a document's state says, for the page and `assistant documents list`:
STATES = (
    "indexed",  # in the current index, as it is on disk
    "new",  # on disk, not yet in the index
    "changed",  # its file or its manifest fields changed since the index was built
    "skipped",  # the last build could not read it (`reason` says why)
    "missing",  # the manifest names a file that is not in the corpus folder
)


@dataclass(frozen=True)
class DocumentState:
    """One document of the collection: its id, file, manifest fields, and state in the index."""

    doc_id: str
    file: str
    state: str
    passages: int = 0
    reason: str | None = None
    size: int = 0
    fields: dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """Return the state as JSON-ready data."""
        return {"id": self.doc_id, "file": self.file, "state": self.state, "passages": self.passages,
                "reason": self.reason, "size": self.size, "fields": dict(self.fields)}


def entry_fields(entry: ManifestEntry | None) -> dict[str, object]:
    """Return the fields a manifest entry sets, named as the page and CLI name them."""
    if entry is None:
        return {}
    values = {"title": entry.title, "lang": entry.lang, "organisation": entry.organisation, "kind": entry.kind,
              "source": entry.source, "year": entry.year, "translation_of": entry.translation_of,
              "sectors": list(entry.sectors)}
    return {key: value for key, value in values.items() if value not in (None, [], "")}


def _indexed(index_dir: Path) -> tuple[dict[str, str], dict[str, str], Counter, dict[str, dict]]:
    """Return the index's corpus hashes, skipped files, passages per document, and documents by file."""
    try:
        manifest = read_index_manifest(index_dir)
        with PassageTable(index_dir / manifest.files["passages"]) as table:
            passages = Counter(table.values("doc_id"))
        with DocumentTable(index_dir / manifest.files["documents"]) as stored:
            documents = {info.path: asdict(info) for info in stored.infos()}
    except (IndexProblem, OSError, ValueError, KeyError, TypeError):
        return {}, {}, Counter(), {}
    return manifest.corpus_files(), dict(manifest.data.get("skipped_files", {})), passages, documents


def _differs(fields: dict[str, object], document: dict) -> bool:
    """Return whether the manifest sets a field to something other than what the index holds."""
    for key, value in fields.items():
        held = document.get(key)
        if key == "sectors":
            held, value = sorted(held or ()), sorted(value)  # type: ignore[arg-type]
        if held != value:
            return True
    return False


def list_documents(corpus_dir: Path, index_dir: Path) -> list[DocumentState]:
    """Return every document of the corpus folder, and every manifest entry without its file, in file order."""
    manifest = read_manifest(corpus_dir) if corpus_dir.is_dir() else {}
    built, skipped, passages, documents = _indexed(index_dir)
    states: list[DocumentState] = []
    used: set[str] = set()
    files = corpus_files(corpus_dir) if corpus_dir.is_dir() else []
    for path in files:
        relative = path.relative_to(corpus_dir).as_posix()
        entry = manifest.get(relative)
        doc_id = entry.doc_id if entry else slugify(path.stem)
        if doc_id in used:  # as the loader names a second file with the same stem
            doc_id = slugify(relative)
        used.add(doc_id)
        fields = entry_fields(entry)
        digest = file_hash(path)
        if relative not in built:
            state, reason = "new", None
        elif built[relative] != digest:
            state, reason = "changed", None
        elif relative in skipped:
            state, reason = "skipped", skipped[relative]
        elif relative in documents and _differs(fields, documents[relative]):
            state, reason = "changed", None
        else:
            state, reason = "indexed", None
        states.append(DocumentState(doc_id, relative, state, passages.get(doc_id, 0) if state != "new" else 0,
                                    reason, path.stat().st_size, fields))
    present = {state.file for state in states}
    for relative, entry in manifest.items():
        if relative not in present:
            states.append(DocumentState(entry.doc_id, relative, "missing", fields=entry_fields(entry)))
    return states
