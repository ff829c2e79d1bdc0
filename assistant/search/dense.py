"""Dense search: the passages nearest to a question's vector in the FAISS index."""

from __future__ import annotations

import math

import numpy as np

from assistant.index import Index
from assistant.index.ondisk import VectorRows
from assistant.index.sanity import check_cosines, check_positions
from assistant.index.vectors import is_exact, mapped, unheld_positions
from assistant.search.fuse import Ranking, Standardiser

# How many candidates dense search hands to fusion; filters widen it.
DEPTH = 100
FILTERED_DEPTH = 1000
# Passages used to estimate how a question's cosines spread over the collection.
SPREAD_SAMPLE = 2000


class DenseSearcher:
    """Nearest passages by cosine similarity, and how a question's cosines spread."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.vectors = passage_vectors(index)
        # An approximate index finds candidates by 8-bit codes: with the exact vectors at hand
        # (a mapped file, or in memory) they are re-ranked by their exact cosines, which
        # fusion uses and which put the true best ten first more often (recall@10 against
        # exact search at 10,396 passages, efSearch 128: 0.988 → 0.993 on real questions,
        # 0.996 → 0.999 on corpus sentences). Read by rows (large collections) that would
        # cost ~0.1 ms a question: the graph's own scores are kept.
        self._rerank = (isinstance(self.vectors, np.ndarray) and not is_exact(index.faiss_index)
                        and mapped(self.vectors.nbytes))  # small: a pass over all of them stays cheap
        # The graph holds the citable passages only (see make_faiss_index): a question that may
        # cite others (references), or a filter that leaves few passages, is answered by every
        # vector instead, as an exact index answers it (the cost of one: 0.8-1 ms at 10,000).
        self._unheld = unheld_positions(index.faiss_index, count=len(index.passages)) if self._rerank else None
        # How a question's cosines spread over the collection (for fusion), estimated from
        # evenly spaced passages: their mean vector and covariance give the mean and
        # variance of any question's cosines with them (q·m and qᵀCq), so a question costs
        # one 512×512 product instead of a pass over the sample.
        count = len(index.passages)
        step = max(1, count // SPREAD_SAMPLE)
        sample = np.asarray(self.vectors[::step][:SPREAD_SAMPLE], dtype=np.float64)
        mean = sample.mean(axis=0) if count else np.zeros(sample.shape[1])
        centred = sample - mean
        self._sample_cov = (centred.T @ centred / max(1, len(sample))).astype(np.float32)
        self._sample_mean = mean.astype(np.float32)

    def search(self, vector: np.ndarray, allowed: np.ndarray | None) -> Ranking:
        """Return the passages nearest to a question vector, by cosine similarity."""
        count = len(self.index.passages)
        share = 1.0 if allowed is None else np.count_nonzero(allowed) / count if count else 0.0
        # A mask that keeps most passages (the citable ones) only needs DEPTH of them; filters go deeper.
        depth = min(math.ceil(DEPTH / share) if share >= 0.9 else FILTERED_DEPTH, count)
        if depth == 0:
            return Ranking.empty()
        if self._rerank and (share < 0.9 or self._asks_unheld(allowed)):
            positions, scores = self._every_vector(vector, depth)
        else:
            positions, scores = self._graph(vector, depth, count)
        if allowed is not None:
            keep = allowed[positions]
            positions, scores = positions[keep], scores[keep]
        return Ranking(positions.astype(np.int64, copy=False), scores.astype(np.float32, copy=False))

    def _graph(self, vector: np.ndarray, depth: int, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the FAISS index's `depth` nearest passages and their cosines, re-ranked exactly when it can."""
        scores, positions = self.index.faiss_index.search(np.asarray(vector, dtype=np.float32).reshape(1, -1), depth)
        positions, scores = positions[0], scores[0]
        keep = positions >= 0  # fewer found than asked for: FAISS pads with -1
        if not keep.all():
            positions, scores = positions[keep], scores[keep]
        positions, scores = check_positions(positions, count), check_cosines(scores)
        if self._rerank:
            positions, scores = _best_first(positions, self.cosines(vector, positions))
        return positions, scores

    def _asks_unheld(self, allowed: np.ndarray | None) -> bool:
        """Return whether the mask lets through passages the graph does not hold."""
        unheld = self._unheld
        return unheld is not None and unheld.size > 0 and (allowed is None or bool(allowed[unheld].any()))

    def _every_vector(self, vector: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the `depth` nearest passages of all and their cosines, from every exact vector."""
        every = check_cosines(np.asarray(self.vectors) @ np.asarray(vector, dtype=np.float32))
        top = np.argpartition(-every, depth - 1)[:depth] if depth < every.size else np.arange(every.size)
        return _best_first(top, every[top])

    def cosines(self, vector: np.ndarray, positions: np.ndarray | list[int]) -> np.ndarray:
        """Return the question's cosine with each of the given passages."""
        return check_cosines(np.asarray(self.vectors[positions]) @ vector)

    def spread(self, vector: np.ndarray) -> Standardiser:
        """Return the mean and spread of the question's cosines over the sampled passages."""
        variance = float(vector @ self._sample_cov @ vector)
        return Standardiser.from_moments(float(self._sample_mean @ vector), max(variance, 0.0) ** 0.5)


def _best_first(positions: np.ndarray, cosines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the passages by descending exact cosine; equal cosines (a repeated passage) the later first, as FAISS."""
    order = np.lexsort((-positions, -cosines))
    return positions[order], cosines[order]


def passage_vectors(index: Index) -> np.ndarray | VectorRows:
    """Return the passages' exact vectors: in memory beside an exact index, else mapped or read by rows.

    An exact FAISS index holds them already. Beside an approximate one (8-bit codes) a
    small embeddings file is mapped (assistant.index.vectors.exact_vectors); a large one
    stays in its file and a question reads the ~100 rows it needs with pread. Mapping a
    large file instead saved ~0.4 ms a question at 100,000 passages but every page a
    question touched stayed resident: the searching process grew from 357 to 473 MB over
    312 questions (scripts/bench's peak RSS at 100k: 550 MB against its 500 MB limit).
    """
    return index.vectors
