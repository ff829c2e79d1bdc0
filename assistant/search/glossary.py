"""A bilingual glossary of the field, kept as data, that widens a question for keyword search."""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from assistant.index.terms import LANGUAGES, stems, words

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Term:
    """One notion and the ways of saying it, by language."""

    phrases: tuple[tuple[str, str], ...]  # (phrase, lang)
    keys: tuple[tuple[tuple[str, ...], str], ...]  # (stems of a phrase, lang)


@dataclass(frozen=True)
class Glossary:
    """The terms of the field, matched on stems so that inflections match too."""

    terms: tuple[Term, ...]
    # (lang, first stem of a phrase) → (number of the term, stems of the phrase) of every such
    # phrase, so that a question is compared only with the phrases that could start at one of
    # its words.
    starts: dict[tuple[str, str], tuple[tuple[int, tuple[str, ...]], ...]] = field(
        default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        starts: dict[tuple[str, str], list[tuple[int, tuple[str, ...]]]] = {}
        for number, term in enumerate(self.terms):
            for key, lang in term.keys:
                if key:
                    starts.setdefault((lang, key[0]), []).append((number, key))
        object.__setattr__(self, "starts", {start: tuple(phrases) for start, phrases in starts.items()})

    def expand(self, question: str) -> list[tuple[str, str]]:
        """Return the (phrase, lang) pairs of every term the question uses, other phrasings only."""
        tokens = words(question)
        return self.expand_stems({lang: tuple(stems(tokens, lang)) for lang in LANGUAGES})

    def expand_stems(self, stemmed: Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
        """Return expand()'s pairs for a question already stemmed: {lang: its words' stems in that language}."""
        matched: dict[int, set[tuple[str, ...]]] = {}  # term number → its phrases the question holds
        for lang, found in stemmed.items():
            found = tuple(found)
            for stem in set(found):  # a phrase can only occur where its first stem does
                for number, key in self.starts.get((lang, stem), ()):
                    if _contains(found, key):
                        matched.setdefault(number, set()).add(key)
        pairs: list[tuple[str, str]] = []
        for number in sorted(matched):
            term, used = self.terms[number], matched[number]
            pairs.extend(
                (phrase, lang)
                for (phrase, lang), (key, _) in zip(term.phrases, term.keys, strict=True)
                if key not in used
            )
        return list(dict.fromkeys(pairs))


def _contains(sequence: tuple[str, ...], part: tuple[str, ...]) -> bool:
    """Return whether `part` occurs as a contiguous run in `sequence`."""
    if not part or len(part) > len(sequence):
        return False
    width, first = len(part), part[0]
    if width == 1:
        return first in sequence
    return any(sequence[start : start + width] == part for start in range(len(sequence) - width + 1)
               if sequence[start] == first)


def parse_glossary(text: str) -> Glossary:
    """Return the glossary described by a TOML text of [[term]] tables with en/fr lists."""
    terms = []
    for number, table in enumerate(tomllib.loads(text).get("term", []), start=1):
        phrases = tuple(
            (phrase, lang) for lang in LANGUAGES for phrase in table.get(lang, []) if words(phrase)
        )
        if not phrases:
            log.warning("glossary term %d has no usable phrase", number)
            continue
        keys = tuple((tuple(stems(words(phrase), lang)), lang) for phrase, lang in phrases)
        terms.append(Term(phrases=phrases, keys=keys))
    return Glossary(terms=tuple(terms))


@cache
def load_glossary(path: Path | None = None) -> Glossary:
    """Load a glossary file, by default the one shipped in assistant/data/glossary.toml."""
    if path is None:
        text = (resources.files("assistant") / "data" / "glossary.toml").read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return parse_glossary(text)
