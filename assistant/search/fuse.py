"""Rankings of passages, and the fusion of several retrievers' scores into one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

# Each retriever's weight in the fusion: equal, the neutral choice; the dev set and PIAF
# show no weight that wins on both (see README, "Retrieval quality").
WEIGHTS = {"dense": 1.0, "lexical": 1.0}
# Rankings of more scores than this start from a cut estimated on an evenly spaced sample
# of about SAMPLE_SIZE of them (see _contenders): exact whatever the sizes; the keyword
# top-100 of 10,000 passages takes 0.035 ms instead of 0.057 (100,000: 0.07 either way).
SAMPLE_ABOVE = 4096
SAMPLE_SIZE = 2048
# Up to this many times `depth` contenders (what the sample usually leaves: about twice),
# sorting them all costs less than choosing the best first (a dozen numpy calls fewer).
SORT_ALL = 8
# When fewer than `depth` scores clear the sample's cut, the next cut is the sample's score
# this many times further down.
LOWER_CUT = 4


@dataclass(frozen=True)
class Ranking:
    """Passage positions, best first, with the score each was given."""

    positions: np.ndarray  # int64
    scores: np.ndarray  # float32, descending

    def __len__(self) -> int:
        return int(self.positions.shape[0])

    @classmethod
    def empty(cls) -> Ranking:
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))

    @classmethod
    def top(cls, scores: np.ndarray, depth: int, positions: np.ndarray | None = None) -> Ranking:
        """Return the `depth` best positive scores (of `positions`, default: every passage).

        Equal scores rank by position, so the best few are always the start of the best many.
        """
        keep = _contenders(scores, depth)  # ascending
        values = scores[keep]
        if keep.size > SORT_ALL * depth:  # many: the best `depth` first, then only those sorted
            last = values[np.argpartition(-values, depth - 1)[depth - 1]]  # the depth-th best score
            above = values > last
            tied = np.flatnonzero(values == last)[: depth - int(above.sum())]  # the first positions
            above[tied] = True
            keep, values = keep[above], values[above]
        order = np.argsort(-values, kind="stable")[:depth]  # stable: equal scores by position
        keep = keep[order]
        kept = keep if positions is None else positions[keep]
        return cls(kept.astype(np.int64), values[order].astype(np.float32))

    @classmethod
    def ordered(cls, positions: np.ndarray, scores: np.ndarray) -> Ranking:
        """Return the positions sorted by descending score."""
        order = np.argsort(-scores, kind="stable")
        return cls(positions[order].astype(np.int64), scores[order].astype(np.float32))

    def by_unit(self, unit_of: np.ndarray) -> Ranking:
        """Return the ranking of units (translated pairs count once, at their best rank)."""
        units = unit_of[self.positions]
        order = np.argsort(units, kind="stable")  # each unit's first position first among its own
        first = order[_starts(units[order])]
        first.sort()
        return Ranking(units[first], self.scores[first])


def distinct(values: np.ndarray) -> np.ndarray:
    """Return the distinct values, sorted: np.unique's answer in a sixth of its time for a few hundred."""
    ordered = np.sort(values)
    return ordered[_starts(ordered)]


def _starts(ordered: np.ndarray) -> np.ndarray:
    """Return where each run of equal values of a sorted array starts, as a mask."""
    starts = np.empty(ordered.size, dtype=bool)
    starts[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    return starts


def _contenders(scores: np.ndarray, depth: int) -> np.ndarray:
    """Return the positions (ascending) of the positive scores that may be among the `depth` best.

    At 100,000 passages two in three have a keyword score: keeping them all to rank them
    costs ten times more than a cut from a sample, taken so that about twice `depth` scores
    clear it. At least `depth` clear it, so every one of the best does (ties included);
    when the sample misleads, a lower cut is tried (one timing question in twenty at
    100,000 passages: 0.09 ms, where ranking all its 81,000 positive scores took 0.48).
    """
    count = scores.shape[0]
    if count >= SAMPLE_ABOVE and depth > 0:
        stride = count // SAMPLE_SIZE
        sample = scores[::stride]
        rank = min(sample.size, 2 * (-(-depth // stride)) + 1)
        while True:
            cut = float(np.partition(sample, sample.size - rank)[sample.size - rank])
            if cut <= 0:
                break
            keep = np.flatnonzero(scores >= cut)
            if keep.size >= depth:
                return keep
            if rank == sample.size:
                break
            rank = min(sample.size, rank * LOWER_CUT)  # too few cleared it: a lower cut, not all of them
    return np.flatnonzero(scores > 0)


@dataclass(frozen=True)
class Standardiser:
    """How one retriever's scores spread over the whole collection for one question."""

    mean: float
    spread: float

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        return (scores - self.mean) / self.spread

    def one(self, score: float) -> float:
        """Return one score standardised (the same double arithmetic, without an array)."""
        return (score - self.mean) / self.spread

    @classmethod
    def of(cls, sample: np.ndarray) -> Standardiser:
        """Return the mean and standard deviation of scores over (a sample of) the collection.

        numpy's own float32 sums, divisions and square root, in its order, bit for bit (see
        tests/test_fuse.py), without summing the scores twice (mean() and std() each do):
        one pass and one array fewer, a third of the time at 100,000 passages.
        """
        if not sample.size:
            return cls.from_moments(0.0, 0.0)
        if sample.dtype not in (np.float32, np.float64):  # numpy sums others in another type
            return cls.from_moments(float(sample.mean()), float(sample.std()))
        count = sample.size
        mean = sample.dtype.type(float(np.add.reduce(sample, axis=None)) / count)
        centred = np.subtract(sample, mean)
        np.multiply(centred, centred, out=centred)
        variance = centred.dtype.type(float(np.add.reduce(centred, axis=None)) / count)
        return cls.from_moments(float(mean), float(np.sqrt(variance)))

    @classmethod
    def from_moments(cls, mean: float, spread: float) -> Standardiser:
        """Return a standardiser; a spread of (nearly) zero leaves the scale alone."""
        return cls(mean=mean, spread=spread if spread > 1e-9 else 1.0)


def best_of_each_unit(
    units: np.ndarray, scores: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Return the distinct units and, per retriever, the best score among each unit's passages.

    A passage and its translation are one unit whose evidence may come from either side
    (the keywords of the English side, the cosine of the French one). Standardising is
    the same increasing map for every candidate, so taking the best before it is the same
    as after.
    """
    order = np.argsort(units, kind="stable")
    grouped = units[order]
    starts = np.flatnonzero(_starts(grouped))
    return grouped[starts], {name: np.maximum.reduceat(np.asarray(values, dtype=np.float32)[order], starts)
                             for name, values in scores.items()}


def zscore_fusion(
    scores: Mapping[str, np.ndarray],
    standardisers: Mapping[str, Standardiser],
    weights: Mapping[str, float] | None = None,
) -> np.ndarray:
    """Return the weighted mean of the retrievers' standardised scores of the same candidates.

    Each retriever's score of a passage becomes how many standard deviations it stands
    above that retriever's average over the collection for this question. Cosines
    (crowded near 0.85 for e5, spread from 0 to 0.6 for USE) and BM25 sums (no upper
    bound) are then on one scale, and a retriever that singles a passage out counts more
    than one that scores everything alike. Unlike rank fusion this keeps how far ahead a
    retriever's best passages are (Bruch et al., 2023, "An analysis of fusion functions
    for hybrid retrieval").
    """
    weights = WEIGHTS if weights is None else weights
    total = sum(weights.get(name, 1.0) for name in scores)
    fused = sum(weights.get(name, 1.0) * standardisers[name](values) for name, values in scores.items())
    return np.asarray(fused, dtype=np.float32) / total
