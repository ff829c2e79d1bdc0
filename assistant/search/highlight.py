"""Mark what answers: the sentences, or in a one-sentence passage the words, that match a question."""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.index.terms import LANGUAGES, stems, words

Span = tuple[int, int]

# A sentence ends at . ! ? … (with closing quotes or brackets, a French « » after its space)
# followed by white space, or at a line break; list items and headings inside a passage are lines of their own.
_SENTENCE_END = re.compile(r"(?<=[.!?…])(?:[ \u00a0\u202f]*»)?[\"»”’)\]]*\s+|\n+")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_JOINABLE = re.compile(r"[ \u00a0\u202f-]")
# Shorter passages are read at a glance: mark their matching words instead of a sentence.
MIN_SENTENCES = 2
# A second sentence is marked too when it scores nearly as well as the best one.
SECOND_SENTENCE_RATIO = 0.9


def sentence_spans(text: str) -> list[Span]:
    """Return the (start, end) of each sentence of a text, surrounding white space left out."""
    spans: list[Span] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((start, match.start() + len(match.group(0).rstrip())))
        start = match.end()
    spans.append((start, len(text)))
    trimmed = []
    for begin, end in spans:
        segment = text[begin:end]
        begin += len(segment) - len(segment.lstrip())
        end -= len(segment) - len(segment.rstrip())
        if end > begin and _WORD.search(text, begin, end):
            trimmed.append((begin, end))
    return trimmed


def word_spans(text: str, lang: str, wanted: frozenset[str]) -> list[Span]:
    """Return the spans of the words of a text whose stem is one of the wanted stems."""
    if not wanted:
        return []
    spans = [span for span, stem in _word_stems(text, lang) if stem in wanted]
    return _join_neighbours(text, spans)


# The same passages come back question after question: what does not depend on the
# question (where the sentences and words are, and their stems) is worked out once.
_CACHED = 8192


@lru_cache(maxsize=_CACHED)
def _word_stems(text: str, lang: str) -> tuple[tuple[Span, str], ...]:
    """Return each meaningful word's span in the text and its stem."""
    lang = lang if lang in LANGUAGES else "en"
    kept = [match for match in _WORD.finditer(text) if words(match.group(0))]
    found = stems([words(match.group(0))[0] for match in kept], lang)
    return tuple((match.span(), stem) for match, stem in zip(kept, found, strict=True))


@lru_cache(maxsize=_CACHED)
def _sentences(text: str, lang: str) -> tuple[tuple[Span, ...], tuple[frozenset[str], ...]]:
    """Return the sentences' spans and the stems each holds."""
    spans = tuple(sentence_spans(text))
    lang = lang if lang in LANGUAGES else "en"
    return spans, tuple(frozenset(stems(words(text[start:end]), lang)) for start, end in spans)


def _join_neighbours(text: str, spans: list[Span]) -> list[Span]:
    """Return the spans with neighbours joined when only a space or hyphen parts them."""
    joined: list[Span] = []
    for start, end in spans:
        if joined and _JOINABLE.fullmatch(text, joined[-1][1], start):
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def passage_highlights(text: str, lang: str, wanted: frozenset[str]) -> tuple[Span, ...]:
    """Return the best sentence(s) of a passage, or its matching words when it has one sentence.

    The best sentence holds the most distinct question words; a passage that holds none has
    nothing marked rather than an arbitrary sentence.
    """
    sentences, held = _sentences(text, lang)
    if len(sentences) < MIN_SENTENCES:
        return tuple(word_spans(text, lang, wanted))
    scores = [len(terms & wanted) for terms in held]  # a few sentences: plain Python beats numpy
    if not any(scores):
        return ()
    order = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)  # stable: the first of equals first
    chosen = [order[0]]
    best = scores[order[0]]
    if len(order) > 1 and best > 0 and scores[order[1]] >= SECOND_SENTENCE_RATIO * best:
        chosen.append(order[1])
    return tuple(sentences[number] for number in sorted(chosen))
