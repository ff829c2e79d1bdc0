"""Sentences of a passage's text: where they end, and cutting a long span at sentence ends."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?;…»”])\s+(?=[\"«“(\[]?[A-ZÀ-ÖØ-Ý0-9])")


def word_count(text: str) -> int:
    return len(text.split())


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return (start, end) of each sentence of a text."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(begin, end) for begin, end in spans if text[begin:end].strip()]


def last_sentence(text: str) -> str:
    """Return the last sentence of a text (all of it when it has none)."""
    spans = sentence_spans(text)
    return text[spans[-1][0] : spans[-1][1]] if spans else text


def split_long(start: int, end: int, text: str, max_words: int) -> list[tuple[int, int]]:
    """Cut [start, end) of text into spans of whole sentences, each ≤ max_words if possible."""
    local = text[start:end]
    pieces: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    for sentence_start, sentence_end in sentence_spans(local):
        if current is None:
            current = (sentence_start, sentence_end)
        elif word_count(local[current[0] : sentence_end]) <= max_words:
            current = (current[0], sentence_end)
        else:
            pieces.append(current)
            current = (sentence_start, sentence_end)
    if current is not None:
        pieces.append(current)
    final: list[tuple[int, int]] = []
    for piece_start, piece_end in pieces:  # a single sentence over the limit: cut at commas/words
        if word_count(local[piece_start:piece_end]) <= max_words:
            final.append((piece_start, piece_end))
            continue
        words = list(re.finditer(r"\S+", local[piece_start:piece_end]))
        for index in range(0, len(words), max_words):
            chunk = words[index : index + max_words]
            final.append((piece_start + chunk[0].start(), piece_start + chunk[-1].end()))
    return [(start + begin, start + finish) for begin, finish in final]


