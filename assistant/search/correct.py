"""Typo tolerance: a question word the corpus does not know is replaced by its nearest word.

Only words in neither language's vocabulary of the corpus (nor the glossary's) change,
and only to a corpus word within a small edit distance, accents ignored: one edit
(a transposition counting as one) for words of 4 to 7 letters, two from 8 letters.
Among equally near words the most frequent in the corpus wins.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from assistant.index.terms import LANGUAGES, fold, stems, words

MIN_LETTERS = 4
TWO_EDITS_FROM = 8
# Words already looked at, kept across questions (they recur); emptied past this many.
CACHED_WORDS = 4096
_LETTERS = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Correction:
    """One word of the question replaced by the corpus word it was probably meant to be."""

    typed: str
    corrected: str


def allowed_edits(word: str) -> int:
    """Return how many edits may separate a word from its correction (0: never corrected)."""
    if len(word) < MIN_LETTERS or not word.isalpha():
        return 0
    return 2 if len(word) >= TWO_EDITS_FROM else 1


class Vocabulary:
    """The corpus's words (both languages, accents folded) with their frequencies."""

    def __init__(self, typed: Mapping[str, int], extra_words: Iterable[str] = (),
                 is_real_word: Callable[[str], bool] = lambda word: False) -> None:
        """`typed` counts the corpus's words as written (assistant.index.wordcounts); `extra_words`
        count as known (the glossary's); `is_real_word` protects words that the corpus lacks but
        a language has (see Encoder.knows_word)."""
        counts: Counter[str] = Counter()
        spelled: dict[str, Counter[str]] = {}
        for word, count in typed.items():
            if not words(word):  # a stop word, or a lone letter
                continue
            folded = fold(word)
            counts[folded] += count
            spelled.setdefault(folded, Counter())[word] += count
        self.known = frozenset(counts) | frozenset(fold(word) for word in extra_words)
        # A word whose stem the corpus holds, in either language, is an inflection of a known word.
        self._stems = frozenset(stem for lang in LANGUAGES for stem in stems(list(counts), lang))
        # Candidates for corrections: corpus words only, most frequent first, so that the
        # first of equally near ones is the likeliest.
        self._choices = [word for word, _ in counts.most_common() if word.isalpha() and len(word) >= MIN_LETTERS - 1]
        self._is_real_word = is_real_word
        self._spelling = {folded: forms.most_common(1)[0][0] for folded, forms in spelled.items()}
        self._corrected: dict[str, str | None] = {}

    def correct(self, word: str) -> str | None:
        """Return the corpus word a typed word was probably meant to be, or None to keep it."""
        if word in self._corrected:
            return self._corrected[word]
        corrected = self._correct(word)
        if len(self._corrected) >= CACHED_WORDS:
            self._corrected.clear()
        self._corrected[word] = corrected
        return corrected

    def _correct(self, word: str) -> str | None:
        folded = fold(word)
        edits = allowed_edits(folded)
        if folded in self.known or edits == 0 or self._is_real_word(word):
            return None
        if any(stem in self._stems for lang in LANGUAGES for stem in stems([folded], lang)):
            return None
        found = process.extract(folded, self._choices, scorer=OSA.distance, score_cutoff=edits, limit=None)
        if not found:
            return None
        best = min(distance for _, distance, _ in found)
        # process.extract keeps the choices' order among equal scores: the most frequent first.
        choice = next(candidate for candidate, distance, _ in found if distance == best)
        return self._spelling.get(choice, choice)

    def corrections(self, tokens: Sequence[str], text: str = "") -> tuple[Correction, ...]:
        """Return the corrections of a question's words (none for known words or names in `text`)."""
        found = []
        names = proper_names(text)
        for token in dict.fromkeys(tokens):
            if token.lower() in names:
                continue
            corrected = self.correct(token)
            if corrected is not None and fold(corrected) != fold(token):
                found.append(Correction(typed=token, corrected=corrected))
        return tuple(found)


_NAME = re.compile(r"(?<![.!?…]\s)(?<!^)(?<![.!?…])\b([A-ZÀ-ÖØ-Þ][^\W\d_]*(?:[-'’][^\W\d_]+)*)")
_ACRONYM = re.compile(r"\b[A-ZÀ-ÖØ-Þ]{2,}\b")
_CAPITAL = re.compile(r"[A-ZÀ-ÖØ-Þ]")


def proper_names(text: str) -> frozenset[str]:
    """Return the lower-cased words a text writes as names: capitalised inside a sentence, or acronyms.

    « États-Unis », "Alger", "DPJ" are not typos of corpus words; the first word of a
    sentence is capitalised anyway and says nothing.
    """
    stripped = text.strip()
    if _CAPITAL.search(stripped, 1) is None:  # a name or an acronym needs a capital past the first letter
        return frozenset()
    found = {part.lower() for match in _NAME.finditer(stripped) for part in re.split(r"[-'’]", match.group(1))}
    found |= {match.group(0).lower() for match in _ACRONYM.finditer(text)}
    return frozenset(found)


def apply_corrections(text: str, corrections: Sequence[Correction]) -> str:
    """Return the question's text with each corrected word replaced where it stands alone."""
    for correction in corrections:
        pattern = re.compile(rf"(?<![^\W_]){re.escape(correction.typed)}(?![^\W_])", re.IGNORECASE)
        text = pattern.sub(correction.corrected, text)
    return text
