"""Reading an index folder into memory (or leaving parts in their files), with checks.

A loaded index holds open files: close it (or use it in a `with` block) when done.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from assistant.index.checksums import check_index_files
from assistant.index.document_table import DocumentTable, info_of
from assistant.index.keyword import LEXICAL_VERSION, LexicalIndex, build_lexical
from assistant.index.lexicon import Lexicon
from assistant.index.manifest import IndexManifest, read_manifest
from assistant.index.ondisk import VectorRows
from assistant.index.passage_table import PassageTable, field_values
from assistant.index.problems import IndexCorrupt, IndexMismatch, IndexStale
from assistant.index.sanity import check_lexical, check_vector_sample
from assistant.index.vectors import exact_vectors, flat_vectors, read_flags
from assistant.index.wordcounts import load_word_counts
from assistant.records import Document, DocumentInfo, Passage

log = logging.getLogger(__name__)


@dataclass
class Index:
    """Everything search needs, loaded from one index folder."""

    manifest: IndexManifest
    documents: Mapping[str, Document]  # DocumentTable when loaded: details in memory, text on demand
    passages: Sequence[Passage]  # PassageTable when loaded: each record made when asked for
    vectors: np.ndarray | VectorRows  # VectorRows: read on demand (memory_map=True)
    faiss_index: faiss.Index
    folder: Path
    position: dict[str, int] = field(default_factory=dict)
    lexical: LexicalIndex | None = None
    lexicon: Lexicon | None = None  # None: made by an encoder without one
    stored_vectors: VectorRows | None = None  # the embeddings file, open while the index is
    word_counts: dict[str, int] | None = None  # the corpus's words as written (None: count them from the passages)

    def __post_init__(self) -> None:
        ids = self.passages.ids if isinstance(self.passages, PassageTable) else [p.passage_id for p in self.passages]
        self.position = dict(zip(ids, range(len(ids)), strict=True))

    @property
    def encoder_id(self) -> str:
        return self.manifest.encoder_id

    def passage(self, passage_id: str) -> Passage | None:
        """Return a passage by id, or None."""
        number = self.position.get(passage_id)
        return None if number is None else self.passages[number]

    def document_info(self, doc_id: str) -> DocumentInfo | None:
        """Return what cites a document (title, source, year…) without reading its text; None if unknown."""
        if isinstance(self.documents, DocumentTable):
            return self.documents.info(doc_id)
        document = self.documents.get(doc_id)
        return None if document is None else info_of(document)

    def passage_values(self, field: str) -> list:
        """Return one field of every passage, in index order, without making records when it can."""
        return field_values(self.passages, field)

    def close(self) -> None:
        """Close the files the index reads from; safe to call twice."""
        for part in (self.stored_vectors, self.documents, self.passages):
            close = getattr(part, "close", None)
            if close is not None:
                close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _load_lexical(folder: Path, manifest: IndexManifest, passages: Sequence[Passage], memory_map: bool) -> LexicalIndex:
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
    opened: list[VectorRows | DocumentTable | PassageTable] = []
    try:
        passages: Sequence[Passage] = PassageTable(folder / manifest.files["passages"])
        opened.append(passages)
        documents: Mapping[str, Document] = DocumentTable(folder / manifest.files["documents"])
        opened.append(documents)
        if not memory_map:  # everything in memory, the files closed
            passages, documents = list(passages), dict(documents.items())
            _close_all(opened)
            opened.clear()
        stored = VectorRows(folder / manifest.files["embeddings"])  # checks header and length; reads no vector
        opened.append(stored)
        faiss_index = faiss.read_index(str(folder / manifest.files["vectors"]), read_flags(memory_map))
        vectors = flat_vectors(faiss_index)  # an exact index holds them already
        if vectors is None:
            vectors = exact_vectors(stored, folder / manifest.files["embeddings"], memory_map)
        lexical = _load_lexical(folder, manifest, passages, memory_map)
        lexicon_file = manifest.files.get("lexicon")
        lexicon = Lexicon.load(folder / lexicon_file) if lexicon_file else None
        words_file = manifest.files.get("words")  # indexes built before it have none
        word_counts = load_word_counts(folder / words_file) if words_file else None
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
        word_counts=word_counts,
    )


def _check_counts(folder: Path, manifest: IndexManifest, passages: Sequence[Passage], documents: Mapping[str, Document],
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


def _close_all(parts: list[VectorRows | DocumentTable | PassageTable]) -> None:
    for part in parts:
        part.close()
