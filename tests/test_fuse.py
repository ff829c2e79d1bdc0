"""Fusion's arithmetic: the same numbers as numpy's own, whatever shortcut computes them."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.search.fuse import Standardiser


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_spread_of_scores_is_numpys_mean_and_std_bit_for_bit(dtype):
    generator = np.random.default_rng(7)
    for size in (1, 2, 7, 128, 129, 1000, 20_011, 104_000):
        for share in (0.05, 0.6, 1.0):  # keyword scores: most passages score 0 at small shares
            scores = (generator.exponential(4.0, size) * (generator.random(size) < share)).astype(dtype)
            spread = Standardiser.of(scores)
            assert spread.mean == float(scores.mean())
            assert spread.spread == (float(scores.std()) if scores.std() > 1e-9 else 1.0)


def test_spread_of_integers_and_of_nothing():
    assert Standardiser.of(np.array([1, 2, 3, 4])) == Standardiser(2.5, float(np.std([1, 2, 3, 4])))
    assert Standardiser.of(np.zeros(0, dtype=np.float32)) == Standardiser(0.0, 1.0)
    assert Standardiser.of(np.full(5, 3.0, dtype=np.float32)) == Standardiser(3.0, 1.0)  # no spread: scale kept


def test_best_of_each_unit_is_each_units_maximum():
    from assistant.search.fuse import best_of_each_unit

    generator = np.random.default_rng(3)
    for _ in range(200):
        candidates = np.unique(generator.integers(0, 5000, int(generator.integers(1, 300))))
        # A pair's unit is its first position: the partner may sit before the candidate, found or not.
        paired = generator.random(candidates.size) < 0.4
        units = np.where(paired, candidates - generator.integers(0, 3, candidates.size), candidates)
        scores = {"dense": generator.random(candidates.size).astype(np.float32),
                  "lexical": generator.exponential(2.0, candidates.size)}
        distinct, best = best_of_each_unit(units, scores)
        assert distinct.tolist() == sorted(set(units.tolist()))
        for name, values in scores.items():
            expected = np.full(distinct.size, -np.inf, dtype=np.float32)
            np.maximum.at(expected, np.searchsorted(distinct, units), values)
            assert best[name].dtype == np.float32 and np.array_equal(best[name], expected)


def test_one_score_standardised_is_the_arrays_arithmetic_bit_for_bit():
    generator = np.random.default_rng(11)
    for _ in range(500):
        spread = Standardiser.from_moments(float(generator.normal(0.2, 0.1)), float(generator.exponential(0.05)))
        score = float(np.float32(generator.normal(0.3, 0.2)))
        assert spread.one(score) == float(spread(np.array([score]))[0])


def test_agreement_counts_units_not_passages_even_when_a_unit_has_more_than_two():
    from assistant.search.fuse import Ranking
    from assistant.search.strength import AGREEMENT_DEPTH, _agree

    assert AGREEMENT_DEPTH == 3
    unit_of = np.array([0, 0, 0, 0, 4, 4, 4, 7, 8, 9])  # passages 0-3 one unit, 4-6 another
    keyword = Ranking(np.array([8, 9]), np.ones(2, dtype=np.float32))
    # The dense ranking's first three units are 0, 4 and 8: 8 comes seventh.
    dense = Ranking(np.array([0, 1, 2, 3, 4, 5, 8, 9]), np.ones(8, dtype=np.float32))
    assert _agree(dense, keyword, unit_of)
    dense = Ranking(np.array([0, 1, 2, 3, 4, 5, 6, 7, 8]), np.ones(9, dtype=np.float32))  # 0, 4, 7 first
    assert not _agree(dense, keyword, unit_of)


@pytest.mark.parametrize("size", [0, 1, 50, 150, 4095, 5000, 20_011, 104_000])
def test_the_top_of_a_ranking_is_the_best_positive_scores_ties_by_position(size):
    """Whatever shortcut picks them (a sampled cut, sorting all contenders or choosing first)."""
    from assistant.search.fuse import Ranking

    generator = np.random.default_rng(size)
    for share in (0.001, 0.05, 0.66, 1.0):
        for levels in (3, 50, 0):  # few distinct scores (many ties), some, all distinct
            raw = generator.exponential(4.0, size)
            if levels:
                raw = np.floor(raw * levels / 10)
            scores = (raw * (generator.random(size) < share)).astype(np.float32)
            for depth in (1, 10, 100):
                positive = np.flatnonzero(scores > 0)
                expected = positive[np.lexsort((positive, -scores[positive]))][:depth]
                top = Ranking.top(scores, depth)
                assert top.positions.tolist() == expected.tolist()
                assert top.scores.tolist() == scores[expected].tolist() and top.scores.dtype == np.float32


def test_distinct_values_and_units_ranked_once_are_numpys_unique():
    from assistant.search.fuse import Ranking, distinct

    generator = np.random.default_rng(5)
    for size in (0, 1, 2, 3, 40, 330, 2000):
        values = generator.integers(0, max(1, size // 2), size)
        assert distinct(values).tolist() == np.unique(values).tolist()
        positions = generator.permutation(max(size, 1))[:size]
        unit_of = np.arange(max(size, 1)) // 2  # pairs: a unit of two passages
        ranking = Ranking(positions.astype(np.int64), np.sort(generator.random(size)).astype(np.float32)[::-1])
        units = unit_of[positions]
        _, first = np.unique(units, return_index=True)
        first.sort()
        by_unit = ranking.by_unit(unit_of)
        assert by_unit.positions.tolist() == units[first].tolist()
        assert by_unit.scores.tolist() == ranking.scores[first].tolist()


def test_a_sample_that_misleads_lowers_its_cut_rather_than_keeping_every_score():
    """The sampled scores (every stride-th) are the highest: too few clear their cut at first."""
    from assistant.search.fuse import SAMPLE_SIZE, Ranking, _contenders

    size = 20_000
    stride = size // SAMPLE_SIZE
    generator = np.random.default_rng(9)
    scores = generator.random(size).astype(np.float32)  # every passage scores
    scores[::stride] += 10
    keep = _contenders(scores, 100)
    assert 100 <= keep.size < size // 4  # not every positive score
    expected = np.lexsort((np.arange(size), -scores))[:100]
    assert Ranking.top(scores, 100).positions.tolist() == expected.tolist()
