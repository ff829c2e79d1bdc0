"""Rankings of many scores: the best few, found from a sampled cut, exactly as a full sort finds them."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.search.fuse import SAMPLE_ABOVE, Ranking


def _full_sort(scores: np.ndarray, depth: int) -> np.ndarray:
    """The reference: every positive score, best first, equal scores by position."""
    keep = np.flatnonzero(scores > 0)
    return keep[np.lexsort((keep, -scores[keep]))][:depth]


@pytest.mark.parametrize("size", [40, 5_000, SAMPLE_ABOVE + 1, 104_000])
@pytest.mark.parametrize("shape", ["distinct", "ties", "sparse", "few"])
def test_top_matches_a_full_sort(size: int, shape: str) -> None:
    rng = np.random.default_rng(size)
    scores = rng.random(size).astype(np.float32)
    if shape == "ties":  # repeated sentences give many passages the same BM25 score
        scores = (np.round(scores * 8) / 8).astype(np.float32)
    elif shape == "sparse":
        scores[rng.random(size) < 0.97] = 0
    elif shape == "few":  # fewer positive scores than asked for: the sample's cut fails
        scores[:] = 0
        scores[rng.integers(0, size, 7)] = 2.0
    for depth in (1, 3, 6, 100):
        ranking = Ranking.top(scores, depth)
        assert ranking.positions.tolist() == _full_sort(scores, depth).tolist()
        assert np.array_equal(ranking.scores, scores[ranking.positions])


def test_the_best_few_start_the_best_many() -> None:
    scores = np.tile(np.array([3.0, 1.0, 2.0, 0.0, 2.0], dtype=np.float32), 20_000)
    many = Ranking.top(scores, 100)
    for depth in (1, 3, 6):
        assert Ranking.top(scores, depth).positions.tolist() == many.positions[:depth].tolist()
    assert many.positions[:3].tolist() == [0, 5, 10]  # equal scores: by position


def test_top_of_given_positions() -> None:
    scores = np.array([0.5, 0.0, 2.0, 1.0], dtype=np.float32)
    ranking = Ranking.top(scores, 2, positions=np.array([10, 11, 12, 13]))
    assert ranking.positions.tolist() == [12, 13]
