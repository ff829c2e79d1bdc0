"""A bilingual glossary of the field, kept as data, that widens a question for keyword search."""

from __future__ import annotations

import logging
import tomllib
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
    # (lang, first stem of a phrase) → numbers of the terms having such a phrase, so that a
    # question is compared only with the phrases that could start at one of its words.
    starts: dict[tuple[str, str], tuple[int, ...]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        starts: dict[tuple[str, str], list[int]] = {}
        for number, term in enumerate(self.terms):
            for key, lang in term.keys:
                if key and number not in starts.setdefault((lang, key[0]), []):
                    starts[(lang, key[0])].append(number)
        object.__setattr__(self, "starts", {start: tuple(numbers) for start, numbers in starts.items()})

    def expand(self, question: str) -> list[tuple[str, str]]:
        """Return the (phrase, lang) pairs of every term the question uses, other phrasings only."""
        tokens = words(question)
        stemmed = {lang: tuple(stems(tokens, lang)) for lang in LANGUAGES}
        possible = sorted({number for lang, found in stemmed.items() for stem in found
                           for number in self.starts.get((lang, stem), ())})
        present = {lang: frozenset(found) for lang, found in stemmed.items()}
        found: list[tuple[str, str]] = []
        for term in (self.terms[number] for number in possible):
            # A phrase can only occur where its first stem does: most of a term's phrases need no scan.
            matched = [(key, lang) for key, lang in term.keys
                       if key and key[0] in present[lang] and _contains(stemmed[lang], key)]
            if not matched:
                continue
            used = {key for key, _ in matched}
            found.extend(
                (phrase, lang)
                for (phrase, lang), (key, _) in zip(term.phrases, term.keys, strict=True)
                if key not in used
            )
        return list(dict.fromkeys(found))


def _contains(sequence: tuple[str, ...], part: tuple[str, ...]) -> bool:
    """Return whether `part` occurs as a contiguous run in `sequence`."""
    if not part or len(part) > len(sequence):
        return False
    width = len(part)
    return any(sequence[start : start + width] == part for start in range(len(sequence) - width + 1))


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
