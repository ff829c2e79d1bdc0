"""Keyword search: BM25 over the question's stems, widened across languages at half weight."""

from __future__ import annotations

import numpy as np

from assistant.index.keyword import LexicalIndex
from assistant.search.question import Question

# The question's stems in the other language, the glossary's translations and the
# lexicon's nearest words count for this much of an original word.
EXPANSION_WEIGHT = 0.5


class KeywordSearcher:
    """BM25 scores of every passage for an analysed question."""

    def __init__(self, lexical: LexicalIndex) -> None:
        self.lexical = lexical

    def scores(self, question: Question, allowed: np.ndarray | None, outside: np.ndarray | None = None
               ) -> np.ndarray:
        """Return every passage's BM25 score for the question (widened across languages), 0 outside `allowed`.

        The question's words stemmed in its language count fully; their stems in the other
        language, the glossary's translations and the lexicon's nearest words in the other
        language count EXPANSION_WEIGHT. `outside`, when known, lists the positions `allowed`
        leaves out (see FilterMasks.outside): zeroed directly.
        """
        # No check of the sums: the index's weights were checked when it was opened (see
        # assistant.index.sanity.check_lexical), and sums of them are finite and not negative.
        scores = self.lexical.scores(list(question.main_terms))
        extra = question.expansion_terms
        if extra:  # in place (fresh arrays): the same float32 sums, without two more of 100,000 floats
            widened = self.lexical.scores(list(extra))
            widened *= EXPANSION_WEIGHT
            scores += widened
        if outside is not None:  # the same 0.0 as × False (below)
            scores[outside] = 0.0
        elif allowed is not None:  # BM25 scores are finite and never negative: × False is 0.0, × True the score
            np.multiply(scores, allowed, out=scores)
        return scores
