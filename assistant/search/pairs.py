"""Translated pairs: a passage and its translation count as one unit in a ranking."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from assistant.index.passage_table import field_codes, translations
from assistant.records import Passage


class TranslationPairs:
    """For each passage, its unit (the pair's first position) and its partner (-1: none)."""

    def __init__(self, passages: Sequence[Passage], position: dict[str, int]) -> None:
        count = len(passages)
        self.unit = np.arange(count, dtype=np.int64)
        self.partner = np.full(count, -1, dtype=np.int64)
        for number, translation_id in translations(passages):
            other = position.get(translation_id)
            if other is not None:
                self.partner[number] = other
                self.unit[number] = min(number, other)
        lang_codes, langs = field_codes(passages, "lang")
        self._lang_of = np.array(langs, dtype=object)[lang_codes] if langs else np.empty(count, dtype=object)

    def sides(self, unit: int, lang: str, allowed: np.ndarray | None) -> tuple[int, int]:
        """Return (passage to show, its translation or -1): the question's language first."""
        partner = int(self.partner[unit])
        if partner < 0:
            return unit, -1
        first, second = (partner, unit) if self._lang_of[unit] != lang and self._lang_of[partner] == lang else (
            unit, partner)
        if allowed is not None and not allowed[first]:
            first, second = second, first
        return first, second
