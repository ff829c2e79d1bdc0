"""Keyword search: BM25 over the question's stems, widened across languages at half weight."""

from __future__ import annotations

import numpy as np

from assistant.index.keyword import LexicalIndex
from assistant.index.sanity import check_weights
from assistant.search.question import Question

# The question's stems in the other language, the glossary's translations and the
# lexicon's nearest words count for this much of an original word.
EXPANSION_WEIGHT = 0.5


class KeywordSearcher:
    """BM25 scores of every passage for an analysed question."""

    def __init__(self, lexical: LexicalIndex) -> None:
        self.lexical = lexical

    def scores(self, question: Question, allowed: np.ndarray | None) -> np.ndarray:
        """Return every passage's BM25 score for the question (widened across languages).

        The question's words stemmed in its language count fully; their stems in the other
        language, the glossary's translations and the lexicon's nearest words in the other
        language count EXPANSION_WEIGHT.
        """
        scores = check_weights(self.lexical.scores(list(question.main_terms)))
        extra = question.expansion_terms
        if extra:
            scores = scores + EXPANSION_WEIGHT * check_weights(self.lexical.scores(list(extra)))
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        return scores
