"""Documents → passages that follow the structure: one idea, its heading path, ≤ 150 words."""

from __future__ import annotations

import hashlib
import math
import re
import statistics
from collections.abc import Iterable, Iterator

from assistant.lang import detect_language
from assistant.records import Block, Document, Passage
from assistant.sectors import passage_sectors

MAX_WORDS = 150
# Short items are grouped into passages of about this many words: a paragraph's worth, so
# that one specific item ("Services de police.") is not drowned in a long list.
LIST_GROUP_WORDS = 40
SHORT_ITEM_WORDS = 12  # lists of items this short are grouped: "Services de police." alone says little
_SENTENCE_END = re.compile(r"(?<=[.!?;…»”])\s+(?=[\"«“(\[]?[A-ZÀ-ÖØ-Ý0-9])")


def _word_count(text: str) -> int:
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


def _split_long(start: int, end: int, text: str, max_words: int) -> list[tuple[int, int]]:
    """Cut [start, end) of text into spans of whole sentences, each ≤ max_words if possible."""
    local = text[start:end]
    pieces: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    for sentence_start, sentence_end in sentence_spans(local):
        if current is None:
            current = (sentence_start, sentence_end)
        elif _word_count(local[current[0] : sentence_end]) <= max_words:
            current = (current[0], sentence_end)
        else:
            pieces.append(current)
            current = (sentence_start, sentence_end)
    if current is not None:
        pieces.append(current)
    final: list[tuple[int, int]] = []
    for piece_start, piece_end in pieces:  # a single sentence over the limit: cut at commas/words
        if _word_count(local[piece_start:piece_end]) <= max_words:
            final.append((piece_start, piece_end))
            continue
        words = list(re.finditer(r"\S+", local[piece_start:piece_end]))
        for index in range(0, len(words), max_words):
            chunk = words[index : index + max_words]
            final.append((piece_start + chunk[0].start(), piece_start + chunk[-1].end()))
    return [(start + begin, start + finish) for begin, finish in final]


def _groups(blocks: tuple[Block, ...]) -> Iterator[tuple[tuple[str, ...], str, list[Block]]]:
    """Yield (section path, kind, blocks) units to cut into passages, in document order."""
    path: dict[int, str] = {}
    index = 0
    while index < len(blocks):
        block = blocks[index]
        if block.kind == "heading":
            if block.level > 1:
                path = {level: text for level, text in path.items() if level < block.level}
                path[block.level] = block.text
            index += 1
            continue
        section = tuple(path[level] for level in sorted(path))
        if block.kind == "quote":
            group = [block]
            while index + 1 < len(blocks) and blocks[index + 1].kind == "attribution":
                index += 1
                group.append(blocks[index])
            yield section, "quote", group
        elif block.kind == "item":
            group = [block]
            while index + 1 < len(blocks) and blocks[index + 1].kind == "item":
                index += 1
                group.append(blocks[index])
            yield section, "list", group
        else:
            yield section, block.kind, [block]
        index += 1


def _spans_for_group(kind: str, group: list[Block], text: str) -> Iterator[tuple[int, int, str]]:
    """Yield (start, end, kind) passage spans for a group of blocks."""
    if kind == "list":
        median = statistics.median(_word_count(block.text) for block in group)
        if median > SHORT_ITEM_WORDS:
            for block in group:
                for start, end in _split_long(block.start, block.end, text, MAX_WORDS):
                    yield start, end, "item"
            return
        total = sum(_word_count(block.text) for block in group)
        target = total / math.ceil(total / LIST_GROUP_WORDS)  # even groups, no lone last item
        current: list[Block] = []
        words = 0
        for block in group:
            current.append(block)
            words += _word_count(block.text)
            if words >= target - 2:
                yield current[0].start, current[-1].end, "list"
                current, words = [], 0
        if current:
            yield current[0].start, current[-1].end, "list"
        return
    start, end = group[0].start, group[-1].end
    if _word_count(text[start:end]) <= MAX_WORDS:
        yield start, end, kind
        return
    first_end = group[0].end if kind == "quote" and len(group) > 1 else end
    spans = _split_long(start, first_end, text, MAX_WORDS)
    if first_end != end:  # keep the attribution with the end of its quote
        spans[-1] = (spans[-1][0], end)
    for span_start, span_end in spans:
        yield span_start, span_end, kind


def passage_id(doc_id: str, section: tuple[str, ...], text: str, occurrence: int) -> str:
    """Return an id that stays the same as long as the text and its place do."""
    key = "\x1f".join([doc_id, " / ".join(section), " ".join(text.split()), str(occurrence)])
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def _passage_lang(text: str, document_lang: str) -> str:
    """Return a passage's own language; short passages take their document's."""
    if _word_count(text) < 15:
        return document_lang
    return detect_language(text, default=document_lang)


def split_passages(document: Document) -> list[Passage]:
    """Cut one document into passages."""
    passages: list[Passage] = []
    seen: dict[str, int] = {}
    for section, kind, group in _groups(document.blocks):
        for start, end, passage_kind in _spans_for_group(kind, group, document.text):
            text = document.text[start:end].strip()
            if not text:
                continue
            key = f"{section}{text}"
            occurrence = seen.get(key, 0)
            seen[key] = occurrence + 1
            passages.append(
                Passage(
                    passage_id=passage_id(document.doc_id, section, text, occurrence),
                    doc_id=document.doc_id,
                    text=text,
                    section=section,
                    lang=_passage_lang(text, document.lang),
                    start=start,
                    end=start + len(text),
                    order=len(passages),
                    kind=passage_kind,
                    sectors=passage_sectors(text, document.sectors),
                )
            )
    return passages


def split_all(documents: Iterable[Document]) -> list[Passage]:
    """Cut every document into passages, in document order."""
    return [passage for document in documents for passage in split_passages(document)]


def embedding_text(passage: Passage) -> str:
    """Return the text to embed: the passage with its heading path for context."""
    context = " — ".join(passage.section)
    return f"{context}: {passage.text}" if context else passage.text
