"""The index folder's manifest.json: a typed record of what was built, with what, from what."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from assistant.index.problems import IndexCorrupt, IndexMismatch, IndexMissing

# 2: passages and documents in table files (assistant.index.table) rather than JSON lines.
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
# Files every index has, by role; others (lexical.*, lexicon) are optional.
REQUIRED_FILES = ("vectors", "embeddings", "passages", "documents")


@dataclass(frozen=True)
class IndexManifest:
    """What manifest.json says: format, encoder, corpus, counts and the files of the build.

    `data` keeps the whole JSON object, for fields only the build reads (the corpus's
    file hashes, the pipeline version) and for writing it back unchanged.
    """

    format_version: int
    encoder_id: str
    dimension: int | None
    corpus_fingerprint: str | None
    passage_count: int
    document_count: int | None
    files: dict[str, str]
    faiss: dict = field(default_factory=dict)
    lexical_version: int | None = None
    built_at: str | None = None
    build: str | None = None
    checksums: dict[str, dict] = field(default_factory=dict)  # {role: {"size", "sha256"}}; empty before they were kept
    data: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict) -> IndexManifest:
        """Return the record of a decoded manifest; KeyError/TypeError when its shape is wrong."""
        files = dict(data["files"])
        for role in REQUIRED_FILES:
            if not isinstance(files[role], str):
                raise TypeError(f"files.{role} is not a file name")
        corpus = data.get("corpus", {})
        return cls(
            format_version=data.get("format_version"),
            encoder_id=data["encoder"]["id"],
            dimension=data["encoder"].get("dimension"),
            corpus_fingerprint=corpus.get("fingerprint"),
            passage_count=int(data["counts"]["passages"]),
            document_count=data["counts"].get("documents"),
            files=files,
            faiss=dict(data.get("faiss", {})),
            lexical_version=data.get("lexical", {}).get("version"),
            built_at=data.get("built_at"),
            build=data.get("build"),
            checksums=dict(data.get("checksums", {})),
            data=data,
        )

    def corpus_files(self) -> dict[str, str]:
        """Return {relative path: sha256} of the corpus files this index was built from."""
        return dict(self.data.get("corpus", {}).get("files", {}))


def read_manifest(folder: Path) -> IndexManifest:
    """Return the index's manifest; raise IndexMissing, IndexCorrupt or IndexMismatch."""
    path = folder / MANIFEST
    if not path.is_file():
        raise IndexMissing(f"no index in {folder}: run `assistant ingest` to build it")
    try:
        manifest = IndexManifest.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise IndexCorrupt(
            f"the index manifest {path} is damaged ({error}): run `assistant ingest` to rebuild it"
        ) from error
    if manifest.format_version != FORMAT_VERSION:
        raise IndexMismatch(
            f"the index in {folder} has format {manifest.format_version}, this version reads "
            f"{FORMAT_VERSION}: run `assistant ingest` to rebuild it"
        )
    return manifest
