"""Cheap checks that a loaded index holds plausible numbers, at load and on every search.

An index too large to have its content hashed at each load (see assistant.index.checksums)
is checked by size only: a file garbled in place keeps its size. These checks catch what
such damage does to search (keyword postings pointing past the passages, vectors or
scores that no normalised embedding can give), so that a damaged index stops with
IndexCorrupt rather than answering with garbage or failing deep inside a library.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.index.keyword import LexicalIndex
from assistant.index.problems import IndexCorrupt

# Vectors are normalised: a norm or a cosine past 1 by more than this is damage, not rounding
# (8-bit storage of an approximate index moves cosines by ~0.01).
TOLERANCE = 0.05
# Rows of the vectors looked at when the index is loaded, evenly spaced.
SAMPLED_ROWS = 2000
# A question's keyword score of a passage adds up weights of the index, each at most once
# for its terms and once more at half weight for its expansions (assistant.search.keyword):
# at most 1.5 × the number of weights × the largest one, doubled for the sums' rounding.
# Weights that keep this below float32's largest number give finite, non-negative sums
# (even when damaged postings repeat a passage), so searches need not check them.
SUM_MARGIN = 3.0
FLOAT32_MAX = float(np.finfo(np.float32).max)


def damaged(what: str) -> IndexCorrupt:
    """Return the error a failed check raises, saying what to run."""
    return IndexCorrupt(f"the index is damaged ({what}): run `assistant ingest` to rebuild it")


def check_lexical(lexical: LexicalIndex, count: int) -> None:
    """Raise IndexCorrupt unless the keyword index's postings are well formed for `count` passages.

    Its weights are finite, not negative and small enough (see SUM_MARGIN) that every
    question's sums are too: searches add them up without checking them again.
    """
    scores = lexical.bm25.scores
    data, indices, indptr = (np.asarray(scores[part]) for part in ("data", "indices", "indptr"))
    vocabulary = lexical.bm25.vocab_dict  # bm25s adds "" last, a term without postings
    columns = len(vocabulary) - ("" in vocabulary)
    if int(scores["num_docs"]) != count or indptr.ndim != 1 or len(indptr) != columns + 1:
        raise damaged("keyword index of another size")
    if len(indptr) and (indptr[0] != 0 or indptr[-1] != len(indices) or np.any(np.diff(indptr) < 0)):
        raise damaged("keyword postings out of order")
    if len(indices) != len(data) or (len(indices) and (indices.min() < 0 or indices.max() >= count)):
        raise damaged("keyword postings out of range")
    if len(data) and not (data.min() >= 0 and float(data.max()) * len(data) * SUM_MARGIN < FLOAT32_MAX):
        raise damaged("keyword weights out of range")


def check_vector_sample(vectors: np.ndarray | Sequence) -> None:
    """Raise IndexCorrupt when evenly spaced vectors are not finite and of norm at most 1."""
    count = len(vectors)
    if not count:
        return
    sample = np.asarray(vectors[:: max(1, count // SAMPLED_ROWS)], dtype=np.float64)
    if not np.all(np.isfinite(sample)) or np.any(np.linalg.norm(sample, axis=1) > 1 + TOLERANCE):
        raise damaged("vectors that are not normalised")


def check_cosines(scores: np.ndarray) -> np.ndarray:
    """Return cosines of a question with passages, or raise IndexCorrupt if some cannot be cosines."""
    # Two reductions, no temporary array: a NaN makes min() and max() NaN, and comparisons with NaN are false.
    if scores.size and not (scores.min() >= -1 - TOLERANCE and scores.max() <= 1 + TOLERANCE):
        raise damaged("similarities out of range")
    return scores


def check_positions(positions: np.ndarray, count: int) -> np.ndarray:
    """Return passage positions a search found, or raise IndexCorrupt if some are not passages."""
    if positions.size and (positions.min() < 0 or positions.max() >= count):
        raise damaged("search results out of range")
    return positions

