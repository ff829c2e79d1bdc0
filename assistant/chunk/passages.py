"""Documents → passages that follow the structure: one idea, its heading path, ≤ 150 words.

A passage reads alone: a lead-in ("…such as:") travels with its list, a passage of a few
words opens on its headings, and each passage says what it is for (assistant.roles).
"""

from __future__ import annotations

import hashlib
import math
import statistics
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from assistant.chunk.sentences import last_sentence, sentence_spans, split_long, word_count
from assistant.lang import detect_language
from assistant.records import Block, Document, Passage
from assistant.roles import CITABLE_ROLES, is_closing, is_lead_in, passage_role
from assistant.sectors import passage_sectors

MAX_WORDS = 150
# Short items are grouped into passages of about this many words: a paragraph's worth, so
# that one specific item ("Services de police.") is not drowned in a long list.
LIST_GROUP_WORDS = 40
SHORT_ITEM_WORDS = 12  # lists of items this short are grouped: "Services de police." alone says little
# A passage of fewer words than this opens on its headings, so that it reads as an answer:
# "QUELQUES PARTENAIRES INTERSECTORIELS — Services de police."
SHORT_PASSAGE_WORDS = 12
HEADING_JOIN = " — "
# A lead-in sentence repeated before each passage of its list takes at most this many words.
MAX_LEAD_WORDS = MAX_WORDS // 3
@dataclass(frozen=True)
class _Span:
    """Where a passage's own words lie in its document, its kind, and context to repeat before it."""

    start: int
    end: int
    kind: str
    lead: str = ""


_Group = tuple[tuple[str, ...], str, list[Block]]


def _groups(blocks: tuple[Block, ...]) -> Iterator[_Group]:
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


def _list_after(groups: list[_Group], number: int) -> list[int]:
    """Return the positions of the groups a lead-in at `number` introduces ([] if none follows).

    Its list is the items that follow it or, when paragraphs follow, the paragraphs up to
    the next heading or the next lead-in; quotes set among them stay their own passages.
    """
    section = groups[number][0]
    members: list[int] = []
    wanted = None
    for later in range(number + 1, len(groups)):
        later_section, kind, blocks = groups[later]
        if later_section != section:
            break
        if kind in ("quote", "attribution"):
            continue
        wanted = wanted or ("list" if kind == "list" else "paragraph" if kind == "paragraph" else None)
        if kind != wanted or (kind == "paragraph" and is_lead_in(blocks[0].text)):
            break
        members.append(later)
    return members


def _spans(groups: list[_Group], text: str) -> Iterator[tuple[tuple[str, ...], _Span]]:
    """Yield (section, span) for every passage of a document, a lead-in kept with its list."""
    number = 0
    while number < len(groups):
        section, kind, blocks = groups[number]
        members = _list_after(groups, number) if kind == "paragraph" and is_lead_in(blocks[0].text) else []
        last = groups[members[-1]][2][-1] if members else None
        fits = last is not None and word_count(text[blocks[0].start : last.end]) <= MAX_WORDS
        if members and not fits and word_count(last_sentence(blocks[0].text)) > MAX_LEAD_WORDS:
            members = []  # a lead-in this long would crowd out the list it opens: it stays alone
        if not members:
            for span in _spans_for_group(kind, blocks, text):
                yield section, span
            number += 1
            continue
        if fits:  # the lead-in and its list in one passage
            yield section, _Span(blocks[0].start, last.end, groups[members[0]][1])
            number = members[-1] + 1
            continue
        # Too long together: the lead-in's last sentence opens each passage of its list.
        block = blocks[0]
        sentences = sentence_spans(block.text)
        lead_start = block.start + sentences[-1][0]
        if len(sentences) > 1:
            for span in _spans_for_group("paragraph", [replace(block, end=block.start + sentences[-2][1])], text):
                yield section, span
        lead = text[lead_start : block.end].strip()
        budget = MAX_WORDS - word_count(lead)
        absorbed = False
        for later in range(number + 1, members[-1] + 1):
            later_section, later_kind, later_blocks = groups[later]
            for span in _spans_for_group(later_kind, later_blocks, text, budget):
                if later not in members:
                    yield later_section, span
                elif not absorbed and not text[block.end : span.start].strip():
                    yield section, replace(span, start=lead_start)  # the lead-in sits just before
                else:
                    yield section, replace(span, lead=f"{lead}\n")
                absorbed = absorbed or later in members
        number = members[-1] + 1


def _spans_for_group(kind: str, group: list[Block], text: str, max_words: int = MAX_WORDS) -> Iterator[_Span]:
    """Yield the passage spans of a group of blocks."""
    if kind == "list":
        median = statistics.median(word_count(block.text) for block in group)
        if median > SHORT_ITEM_WORDS:
            for block in group:
                for start, end in split_long(block.start, block.end, text, max_words):
                    yield _Span(start, end, "item")
            return
        total = sum(word_count(block.text) for block in group)
        target = total / math.ceil(total / LIST_GROUP_WORDS)  # even groups, no lone last item
        current: list[Block] = []
        words = 0
        for block in group:
            current.append(block)
            words += word_count(block.text)
            if words >= target - 2:
                yield _Span(current[0].start, current[-1].end, "list")
                current, words = [], 0
        if current:
            yield _Span(current[0].start, current[-1].end, "list")
        return
    start, end = group[0].start, group[-1].end
    if kind == "paragraph":
        start, end, closings = _closing_sentences(start, end, text)
        yield from (_Span(begin, finish, kind) for begin, finish in closings if begin < start)
    if word_count(text[start:end]) <= max_words:
        yield _Span(start, end, kind)
    else:
        first_end = group[0].end if kind == "quote" and len(group) > 1 else end
        spans = split_long(start, first_end, text, max_words)
        if first_end != end:  # keep the attribution with the end of its quote
            spans[-1] = (spans[-1][0], end)
        for span_start, span_end in spans:
            yield _Span(span_start, span_end, kind)
    if kind == "paragraph":
        yield from (_Span(begin, finish, kind) for begin, finish in closings if begin >= end)


def _closing_sentences(start: int, end: int, text: str) -> tuple[int, int, list[tuple[int, int]]]:
    """Set a paragraph's opening or final end-of-step sentence ("You have just created…!") apart.

    Return the rest's (start, end) and the spans of the sentences set apart.
    """
    sentences = [(start + begin, start + finish) for begin, finish in sentence_spans(text[start:end])]
    apart = []
    if len(sentences) > 1 and is_closing(text[slice(*sentences[0])]):
        apart.append(sentences.pop(0))
    if len(sentences) > 1 and is_closing(text[slice(*sentences[-1])]):
        apart.append(sentences.pop())
    return sentences[0][0], sentences[-1][1], apart


def passage_id(doc_id: str, section: tuple[str, ...], text: str, occurrence: int) -> str:
    """Return an id that stays the same as long as the text and its place do."""
    key = "\x1f".join([doc_id, " / ".join(section), " ".join(text.split()), str(occurrence)])
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def _passage_lang(text: str, document_lang: str) -> str:
    """Return a passage's own language; short passages take their document's."""
    if word_count(text) < 15:
        return document_lang
    return detect_language(text, default=document_lang)


def split_passages(document: Document) -> list[Passage]:
    """Cut one document into passages."""
    passages: list[Passage] = []
    seen: dict[str, int] = {}
    for section, span in _spans(list(_groups(document.blocks)), document.text):
        start = span.start
        own = document.text[start : span.end].strip()
        if not own:
            continue
        start += document.text[start : span.end].index(own[0])
        role = passage_role(own, span.kind)
        lead = span.lead
        if not lead and role in CITABLE_ROLES and section and word_count(own) < SHORT_PASSAGE_WORDS:
            lead = f"{HEADING_JOIN.join(section)}{HEADING_JOIN}"  # "Services de police." alone says little
        text = f"{lead}{own}"
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
                end=start + len(own),
                order=len(passages),
                kind=span.kind,
                sectors=passage_sectors(text, document.sectors),
                lead=lead,
                role=role,
            )
        )
    return passages


def split_all(documents: Iterable[Document]) -> list[Passage]:
    """Cut every document into passages, in document order."""
    return [passage for document in documents for passage in split_passages(document)]


def embedding_text(passage: Passage) -> str:
    """Return the text to embed: the passage's own words with its heading path for context.

    The lead repeated before a passage is for its reader: embedding it too would make every
    passage of a list look alike (measured on dev.jsonl: recall@1 −1 question, MRR −0.02).
    """
    context = HEADING_JOIN.join(passage.section)
    return f"{context}: {passage.own_text}" if context else passage.own_text
