"""Lay a cleaned document out for reading: its blocks, cut where its passages begin and end."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.records import Document, Passage


@dataclass(frozen=True)
class Segment:
    """A run of a block's text that belongs to one passage (or to none)."""

    text: str
    passage_id: str | None
    anchor: bool  # the first segment of its passage carries the passage's id


@dataclass(frozen=True)
class RenderedBlock:
    """One block of the document view: its HTML tag and its segments."""

    tag: str
    kind: str
    segments: tuple[Segment, ...]


def _tag(kind: str, level: int) -> str:
    if kind == "heading":
        return f"h{min(max(level, 1) + 1, 6)}"  # the page's own h1 is the document's title
    return {"item": "li", "quote": "blockquote"}.get(kind, "p")


def layout_document(document: Document, passages: Sequence[Passage]) -> list[RenderedBlock]:
    """Return the document's blocks with each cut at the boundaries of the given passages."""
    ordered = sorted(passages, key=lambda passage: passage.start)
    starts = [passage.start for passage in ordered]
    boundaries = sorted({point for passage in ordered for point in (passage.start, passage.end)})
    anchored: set[str] = set()
    rendered = []
    for block in document.blocks:
        inside = boundaries[bisect_right(boundaries, block.start) : bisect_left(boundaries, block.end)]
        cuts = [block.start, *inside, block.end]
        segments = []
        for begin, end in zip(cuts, cuts[1:], strict=False):
            number = bisect_right(starts, begin) - 1
            owner = ordered[number] if number >= 0 and ordered[number].end > begin else None
            passage_id = owner.passage_id if owner else None
            anchor = passage_id is not None and passage_id not in anchored
            if anchor:
                anchored.add(passage_id)
            segments.append(Segment(text=document.text[begin:end], passage_id=passage_id, anchor=anchor))
        rendered.append(RenderedBlock(tag=_tag(block.kind, block.level), kind=block.kind, segments=tuple(segments)))
    return rendered
