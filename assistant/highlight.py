"""Mark what answers: the sentences, or in a one-sentence passage the words, that match a question."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from assistant.glossary import load_glossary
from assistant.lexical import LANGUAGES, query_terms, stems, words
from assistant.records import Hit

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


def question_stems(question: str) -> frozenset[str]:
    """Return the question's stems, as French and as English, widened by the glossary.

    The glossary's other phrasings let a French question mark the words of an English
    passage ("roulement du personnel" → "staff turnover") and the reverse.
    """
    return frozenset(query_terms(question, load_glossary().expand(question)))


def word_spans(text: str, lang: str, wanted: frozenset[str]) -> list[Span]:
    """Return the spans of the words of a text whose stem is one of the wanted stems."""
    lang = lang if lang in LANGUAGES else "en"
    matches = list(_WORD.finditer(text))
    if not matches or not wanted:
        return []
    kept = [match for match in matches if words(match.group(0))]
    found = stems([words(match.group(0))[0] for match in kept], lang)
    spans = [match.span() for match, stem in zip(kept, found, strict=True) if stem in wanted]
    return _join_neighbours(text, spans)


def _join_neighbours(text: str, spans: list[Span]) -> list[Span]:
    """Return the spans with neighbours joined when only a space or hyphen parts them."""
    joined: list[Span] = []
    for start, end in spans:
        if joined and _JOINABLE.fullmatch(text, joined[-1][1], start):
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def _lexical_counts(text: str, spans: Sequence[Span], lang: str, wanted: frozenset[str]) -> np.ndarray:
    """Return, for each span, how many distinct wanted stems it holds."""
    lang = lang if lang in LANGUAGES else "en"
    return np.array(
        [len(set(stems(words(text[start:end]), lang)) & wanted) for start, end in spans], dtype=np.float32
    )


def passage_highlights(text: str, lang: str, wanted: frozenset[str]) -> tuple[Span, ...]:
    """Return the best sentence(s) of a passage, or its matching words when it has one sentence.

    The best sentence holds the most distinct question words; a passage that holds none has
    nothing marked rather than an arbitrary sentence.
    """
    sentences = sentence_spans(text)
    if len(sentences) < MIN_SENTENCES:
        return tuple(word_spans(text, lang, wanted))
    scores = _lexical_counts(text, sentences, lang, wanted)
    if not scores.any():
        return ()
    order = np.argsort(-scores, kind="stable")
    chosen = [int(order[0])]
    best = float(scores[order[0]])
    if len(order) > 1 and best > 0 and float(scores[order[1]]) >= SECOND_SENTENCE_RATIO * best:
        chosen.append(int(order[1]))
    return tuple(sentences[number] for number in sorted(chosen))


def highlight_hits(question: str, hits: Sequence[Hit]) -> tuple[Hit, ...]:
    """Return the hits with their highlights filled (hits that already have some are kept)."""
    wanted = question_stems(question)
    return tuple(hit if hit.highlights else replace(hit, highlights=_own_highlights(hit, wanted)) for hit in hits)


def _own_highlights(hit: Hit, wanted: frozenset[str]) -> tuple[Span, ...]:
    """Return a hit's highlights in its own words, never in the lead repeated before them."""
    offset = len(hit.passage.lead)
    spans = passage_highlights(hit.passage.own_text, hit.passage.lang, wanted)
    return tuple((start + offset, end + offset) for start, end in spans)
