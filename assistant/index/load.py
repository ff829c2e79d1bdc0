"""Reading an index folder into memory (or leaving parts in their files), with checks.

A loaded index holds open files: close it (or use it in a `with` block) when done.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from assistant.index.checksums import check_index_files
from assistant.index.keyword import LEXICAL_VERSION, LexicalIndex, build_lexical
from assistant.index.lexicon import Lexicon
from assistant.index.manifest import IndexManifest, read_manifest
from assistant.index.ondisk import DocumentStore, VectorRows
from assistant.index.problems import IndexCorrupt, IndexMismatch, IndexStale
from assistant.index.rows import document_from_json, passage_from_json, read_lines
from assistant.index.sanity import check_lexical, check_vector_sample
from assistant.index.vectors import flat_vectors, read_flags
from assistant.records import Document, Passage

log = logging.getLogger(__name__)


@dataclass
class Index:
    """Everything search needs, loaded from one index folder."""

    manifest: IndexManifest
    documents: Mapping[str, Document]
    passages: list[Passage]
    vectors: np.ndarray | VectorRows  # VectorRows: read on demand (memory_map=True)
    faiss_index: faiss.Index
    folder: Path
    position: dict[str, int] = field(default_factory=dict)
    lexical: LexicalIndex | None = None
    lexicon: Lexicon | None = None  # None: made by an encoder without one
    stored_vectors: VectorRows | None = None  # the embeddings file, open while the index is

    def __post_init__(self) -> None:
        self.position = {passage.passage_id: number for number, passage in enumerate(self.passages)}

    @property
    def encoder_id(self) -> str:
        return self.manifest.encoder_id

    def passage(self, passage_id: str) -> Passage | None:
        """Return a passage by id, or None."""
        number = self.position.get(passage_id)
        return None if number is None else self.passages[number]

    def close(self) -> None:
        """Close the files the index reads from; safe to call twice."""
        for part in (self.stored_vectors, self.documents):
            close = getattr(part, "close", None)
            if close is not None:
                close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _load_lexical(folder: Path, manifest: IndexManifest, passages: list[Passage], memory_map: bool) -> LexicalIndex:
    """Load the saved keyword index, or build it when the index predates it."""
    names = {role.split(".", 1)[1]: name for role, name in manifest.files.items() if role.startswith("lexical.")}
    if not names or manifest.lexical_version != LEXICAL_VERSION:
        log.info("the index in %s has no current keyword index: building it in memory", folder)
        return build_lexical(passages)
    return LexicalIndex.load(folder, names, len(passages), memory_map=memory_map)


def load_index(
    folder: Path,
    encoder_id: str | None = None,
    corpus_fingerprint: str | None = None,
    memory_map: bool = True,
    verify: bool | None = None,
) -> Index:
    """Load an index; refuse one made by another encoder or for another corpus, or damaged.

    Every file's size is checked against the manifest; its content too when `verify` is
    True, or when None and the index is small (see assistant.index.checksums). A build
    that replaces the index while it loads can remove the files of the manifest read
    first: the load then starts again, once, from the new manifest.
    Thread settings are the caller's (see assistant.index.vectors.limit_search_threads).
    """
    manifest = read_manifest(folder)
    try:
        return _load_build(folder, manifest, encoder_id, corpus_fingerprint, memory_map, verify)
    except IndexCorrupt:
        again = read_manifest(folder)
        if (again.build, again.files) == (manifest.build, manifest.files):
            raise
        log.info("the index in %s was replaced while it loaded: loading the new build", folder)
        return _load_build(folder, again, encoder_id, corpus_fingerprint, memory_map, verify)


def _load_build(
    folder: Path,
    manifest: IndexManifest,
    encoder_id: str | None,
    corpus_fingerprint: str | None,
    memory_map: bool,
    verify: bool | None,
) -> Index:
    """Load the build a manifest describes (see load_index)."""
    if encoder_id is not None and manifest.encoder_id != encoder_id:
        raise IndexMismatch(
            f"the index was built with the encoder {manifest.encoder_id!r} but {encoder_id!r} is configured: "
            "run `assistant ingest` to rebuild it"
        )
    if corpus_fingerprint is not None and manifest.corpus_fingerprint != corpus_fingerprint:
        raise IndexStale(
            "the corpus has changed since the index was built: run `assistant ingest` to update it"
        )
    if manifest.checksums:  # indexes built before checksums were kept have none
        check_index_files(folder, manifest.files, manifest.checksums, verify)
    opened: list[VectorRows | DocumentStore] = []
    try:
        passages = [passage_from_json(row) for row in read_lines(folder / manifest.files["passages"])]
        documents_file = folder / manifest.files["documents"]
        documents: Mapping[str, Document]
        if memory_map:
            documents = DocumentStore(documents_file, document_from_json)
            opened.append(documents)
        else:
            documents = {document.doc_id: document for document in map(document_from_json, read_lines(documents_file))}
        stored = VectorRows(folder / manifest.files["embeddings"])  # checks header and length; reads no vector
        opened.append(stored)
        faiss_index = faiss.read_index(str(folder / manifest.files["vectors"]), read_flags(memory_map))
        vectors = flat_vectors(faiss_index)  # an exact index holds them already
        if vectors is None:
            vectors = stored if memory_map else np.asarray(stored)
        lexical = _load_lexical(folder, manifest, passages, memory_map)
        lexicon_file = manifest.files.get("lexicon")
        lexicon = Lexicon.load(folder / lexicon_file) if lexicon_file else None
        _check_counts(folder, manifest, passages, documents, faiss_index, stored)
        check_lexical(lexical, len(passages))
        check_vector_sample(stored)  # also when the vectors searched are the FAISS index's own
        if vectors is not stored:
            check_vector_sample(vectors)
    except (OSError, EOFError, ValueError, KeyError, TypeError, RuntimeError) as error:
        _close_all(opened)
        raise IndexCorrupt(
            f"the index in {folder} is damaged or incomplete ({type(error).__name__}): "
            "run `assistant ingest` to rebuild it"
        ) from error
    except IndexCorrupt:
        _close_all(opened)
        raise
    if vectors is not stored:  # the vectors live elsewhere: the file was only checked
        stored.close()
    return Index(
        manifest=manifest,
        documents=documents,
        passages=passages,
        vectors=vectors,
        faiss_index=faiss_index,
        folder=folder,
        lexical=lexical,
        lexicon=lexicon,
        stored_vectors=stored if vectors is stored else None,
    )


def _check_counts(folder: Path, manifest: IndexManifest, passages: list[Passage], documents: Mapping[str, Document],
                  faiss_index: faiss.Index, stored: VectorRows) -> None:
    """Raise IndexCorrupt when the files do not hold what the manifest announces."""
    expected = manifest.passage_count
    held = manifest.faiss.get("held", expected)  # an approximate index may hold the citable ones only
    if len(passages) != expected or faiss_index.ntotal != held or stored.shape[0] != expected:
        raise IndexCorrupt(
            f"the index in {folder} is damaged: {expected} passages announced, "
            f"{len(passages)} passages, {faiss_index.ntotal} vectors found: run `assistant ingest` to rebuild it"
        )
    if manifest.document_count is not None and len(documents) != manifest.document_count:
        raise IndexCorrupt(
            f"the index in {folder} is damaged: {manifest.document_count} documents "
            f"announced, {len(documents)} found: run `assistant ingest` to rebuild it"
        )


def _close_all(parts: list[VectorRows | DocumentStore]) -> None:
    for part in parts:
        part.close()
