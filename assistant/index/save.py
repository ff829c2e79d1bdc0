"""Writing an index folder: a new build beside the old one, switched to in one rename."""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import faiss
import numpy as np

from assistant.index.checksums import file_checksums
from assistant.index.document_table import DocumentTable, write_documents
from assistant.index.keyword import LEXICAL_VERSION, LexicalIndex, index_terms, lexical_terms
from assistant.index.lexicon import Lexicon
from assistant.index.manifest import FORMAT_VERSION, MANIFEST, IndexManifest
from assistant.index.ondisk import VectorRows
from assistant.index.passage_table import write_passages
from assistant.index.scratch import give_back_memory
from assistant.index.vectors import APPROXIMATE_ABOVE, make_faiss_index
from assistant.index.wordcounts import count_words, save_word_counts
from assistant.records import Document, Passage

log = logging.getLogger(__name__)

BUILD_LOCK = ".build.lock"
# What a build's file names start with ("passages-<build>.table"): files of no current build are removed.
BUILD_FILE_KINDS = frozenset({"vectors", "embeddings", "passages", "documents", "lexical", "lexicon", "words"})


def _write_faiss(faiss_index: faiss.Index, path: Path) -> None:
    """Write a FAISS index, reporting a failed write (a full disk) as the OSError it is."""
    try:
        faiss.write_index(faiss_index, str(path))
    except RuntimeError as error:  # faiss turns every C-level write error into RuntimeError
        code = errno.ENOSPC if "No space left" in str(error) else errno.EIO
        raise OSError(code, os.strerror(code), str(path)) from error


def _write_npy(vectors: np.ndarray | VectorRows, path: Path) -> None:
    """Save a float32 matrix as .npy a block of rows at a time (it may be read from a file itself)."""
    count, dimension = vectors.shape
    with path.open("wb") as handle:
        np.lib.format.write_array_header_1_0(
            handle, {"descr": "<f4", "fortran_order": False, "shape": (count, dimension)})
        for first in range(0, count, _BLOCK):
            handle.write(memoryview(np.ascontiguousarray(vectors[first : first + _BLOCK], dtype=np.float32)))


_BLOCK = 4096  # rows written at a time


def _fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


@contextmanager
def folder_lock(folder: Path, name: str) -> Iterator[None]:
    """Hold the lock file `name` in a folder (made if needed): one holder at a time, across processes.

    On Windows (no fcntl) nothing is locked: one change at a time by hand.
    """
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with (folder / name).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_lock(folder: Path) -> contextlib.AbstractContextManager[None]:
    """Let one build at a time write into an index folder, across processes.

    Without it a build finishing first (`assistant serve` rebuilding a stale index, say)
    would tidy away the half-written files of one running beside it (`assistant ingest`).
    """
    return folder_lock(folder, BUILD_LOCK)


def save_index(
    folder: Path,
    documents: Sequence[Document] | DocumentTable,
    passages: list[Passage],
    vectors: np.ndarray | VectorRows,
    manifest: dict,
    passage_extras: dict[str, list[str]] | None = None,
    approximate_above: int = APPROXIMATE_ABOVE,
    lexicon: Lexicon | None = None,
    release_passages: bool = False,
) -> IndexManifest:
    """Write a new index beside the old one, then switch manifest.json to it in one rename.

    With `release_passages` the `passages` list is emptied once they are written and their
    keyword terms taken, before the vector graph is built: a build holding no other
    reference to them (build_index) then gives their memory back (160 MB at 100k).
    Until that rename the previous manifest and the files it names are untouched, so a
    build that fails or is killed leaves the previous index loadable. Builds into the same
    folder wait for each other.
    """
    with build_lock(folder):
        return _save_index(folder, documents, passages, vectors, manifest, passage_extras, approximate_above, lexicon,
                           release_passages)


def _save_index(
    folder: Path,
    documents: Sequence[Document] | DocumentTable,
    passages: list[Passage],
    vectors: np.ndarray | VectorRows,
    manifest: dict,
    passage_extras: dict[str, list[str]] | None,
    approximate_above: int,
    lexicon: Lexicon | None,
    release_passages: bool,
) -> IndexManifest:
    folder.mkdir(parents=True, exist_ok=True)
    build = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    files = {
        "vectors": f"vectors-{build}.faiss",
        "embeddings": f"embeddings-{build}.npy",
        "passages": f"passages-{build}.table",
        "documents": f"documents-{build}.table",
    }
    citable = np.array([passage.citable for passage in passages], dtype=bool)
    passage_count = len(passages)
    written: list[Path] = []
    try:
        path = folder / files["embeddings"]
        written.append(path)
        _write_npy(vectors, path)
        _fsync_file(path)
        path = folder / files["passages"]
        written.append(path)
        write_passages(path, passages, passage_extras)
        path = folder / files["documents"]
        written.append(path)
        write_documents(path, documents)
        files["words"] = f"words-{build}.json"
        path = folder / files["words"]
        written.append(path)
        save_word_counts(path, count_words(passages))
        _fsync_file(path)
        terms = lexical_terms(passages)
        if release_passages:
            passages.clear()
        give_back_memory()
        # Each part is made, written and let go before the next: their memory never adds up
        # (at 100,000 passages the keyword index takes ~180 MB while built, the graph ~160 MB).
        written.extend(folder / name for name in LexicalIndex.file_names(f"lexical-{build}").values())
        lexical_files = index_terms(terms).save(folder, f"lexical-{build}")
        del terms
        give_back_memory()
        for part, name in lexical_files.items():
            files[f"lexical.{part}"] = name
            _fsync_file(folder / name)
        faiss_index, faiss_description = make_faiss_index(vectors, approximate_above, citable)
        path = folder / files["vectors"]
        written.append(path)
        _write_faiss(faiss_index, path)
        _fsync_file(path)
        del faiss_index
        give_back_memory()
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
            "counts": {"documents": len(documents), "passages": passage_count},
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "build": build,
            "files": files,
            "checksums": file_checksums(folder, files),  # read back once written: what load compares
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
    remove_unused_files(folder, files)
    return IndexManifest.from_json(full_manifest)




def _fsync_dir(folder: Path) -> None:
    if hasattr(os, "O_DIRECTORY"):
        descriptor = os.open(folder, os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def remove_unused_files(folder: Path, files: dict[str, str]) -> None:
    """Delete files of earlier or interrupted builds that are not among the manifest's files."""
    keep = set(files.values()) | {MANIFEST}
    for path in folder.iterdir():
        if not path.is_file() or path.name in keep:
            continue
        stem = path.name.split("-", 1)[0]
        stale = "-" in path.name and stem in BUILD_FILE_KINDS
        if stale or (path.name.startswith(MANIFEST + ".") and path.name.endswith(".tmp")):
            try:
                path.unlink(missing_ok=True)
            except OSError as error:  # Windows: a running server still maps the old files
                log.info("could not remove %s yet (%s): the next build will", path.name, error.strerror or error)

