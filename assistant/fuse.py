"""Rankings of passages and their fusion into one: convex combination or reciprocal rank."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

# Reciprocal-rank fusion constant: 60 is the value of Cormack et al. (2009), which makes
# the first ranks count without letting a single retriever's top passage win alone.
RRF_CONSTANT = 60
# Each retriever's weight in the fusion (see README, "Retrieval quality").
WEIGHTS = {"dense": 1.0, "lexical": 1.0}


@dataclass(frozen=True)
class Ranking:
    """Passage positions, best first, with the score each retriever gave them."""

    positions: np.ndarray  # int64
    scores: np.ndarray  # float32, descending

    def __len__(self) -> int:
        return int(self.positions.shape[0])

    @classmethod
    def empty(cls) -> Ranking:
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))

    @classmethod
    def top(cls, scores: np.ndarray, depth: int) -> Ranking:
        """Return the `depth` best positive scores of a score-per-passage array."""
        positive = np.flatnonzero(scores > 0)
        if positive.size > depth:
            best = np.argpartition(-scores[positive], depth - 1)[:depth]
            positive = positive[best]
        order = positive[np.argsort(-scores[positive], kind="stable")]
        return cls(order.astype(np.int64), scores[order].astype(np.float32))

    def by_unit(self, unit_of: np.ndarray) -> Ranking:
        """Return the ranking of units (translated pairs count once, at their best rank)."""
        units = unit_of[self.positions]
        _, first = np.unique(units, return_index=True)
        first.sort()
        return Ranking(units[first], self.scores[first])


def reciprocal_rank_fusion(
    rankings: Mapping[str, Ranking],
    weights: Mapping[str, float] | None = None,
    constant: int = RRF_CONSTANT,
) -> Ranking:
    """Return one ranking whose scores are Σ weight / (constant + rank), scaled to [0, 1].

    1 means first for every retriever; an item a retriever did not return gets nothing
    from it. Kept to compare with convex_fusion (see README, "Retrieval quality").
    """
    weights = WEIGHTS if weights is None else weights
    total: dict[int, float] = {}
    best = 0.0
    for name, ranking in rankings.items():
        weight = weights.get(name, 1.0)
        best += weight / (constant + 1)
        contributions = weight / (constant + 1 + np.arange(len(ranking)))
        for position, value in zip(ranking.positions.tolist(), contributions.tolist(), strict=True):
            total[position] = total.get(position, 0.0) + value
    return _ranking(total, best)


def convex_fusion(rankings: Mapping[str, Ranking], weights: Mapping[str, float] | None = None) -> Ranking:
    """Return one ranking scored by a weighted mean of each retriever's min-max scaled scores.

    Each retriever's scores are scaled to [0, 1] over the candidates it returned (its best
    is 1, its last 0), so cosine similarities and BM25 sums become comparable; an item a
    retriever did not return gets 0 from it. Unlike rank fusion this keeps how far ahead
    a retriever's best passage is, which matters when one retriever is sure and the other
    is not (Bruch et al., 2023, "An analysis of fusion functions for hybrid retrieval").
    """
    weights = WEIGHTS if weights is None else weights
    total: dict[int, float] = {}
    best = 0.0
    for name, ranking in rankings.items():
        weight = weights.get(name, 1.0)
        best += weight
        if not len(ranking):
            continue
        high, low = float(ranking.scores[0]), float(ranking.scores[-1])
        spread = high - low
        scaled = (ranking.scores - low) / spread if spread > 0 else np.ones(len(ranking))
        for position, value in zip(ranking.positions.tolist(), (weight * scaled).tolist(), strict=True):
            total[position] = total.get(position, 0.0) + value
    return _ranking(total, best)


def _ranking(total: dict[int, float], best: float) -> Ranking:
    """Return the ranking of summed scores, divided by the best possible sum."""
    if not total or best <= 0:
        return Ranking.empty()
    positions = np.fromiter(total.keys(), dtype=np.int64, count=len(total))
    scores = np.fromiter(total.values(), dtype=np.float64, count=len(total)) / best
    order = np.argsort(-scores, kind="stable")
    return Ranking(positions[order], scores[order].astype(np.float32))
