"""The records that flow along the pipeline: documents, blocks, passages and hits."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.roles import CITABLE_ROLES, TEXT


@dataclass(frozen=True)
class Block:
    """One structural unit of a cleaned document: a heading, paragraph, item, quote."""

    kind: str  # "heading" | "paragraph" | "item" | "quote" | "attribution"
    text: str
    start: int  # character offsets in Document.text
    end: int
    level: int = 0  # heading level (1 = title); 0 for other blocks


@dataclass(frozen=True)
class Document:
    """A cleaned document: its text, its structure and what the manifest says of it."""

    doc_id: str
    title: str
    lang: str
    text: str
    blocks: tuple[Block, ...]
    path: str  # file name relative to the corpus folder
    organisation: str | None = None
    kind: str | None = None
    source: str | None = None
    year: int | None = None
    translation_of: str | None = None
    sectors: tuple[str, ...] = ()
    content_hash: str = ""


@dataclass(frozen=True)
class DocumentInfo:
    """What is said of a document without its text: enough to cite it or list it."""

    doc_id: str
    title: str
    lang: str
    path: str
    organisation: str | None = None
    kind: str | None = None
    source: str | None = None
    year: int | None = None
    translation_of: str | None = None
    sectors: tuple[str, ...] = ()
    content_hash: str = ""


@dataclass(frozen=True)
class Passage:
    """An excerpt of a document, with where it sits in it and whether it can be cited.

    `text` is `lead` followed by the document's text from `start` to `end`: `lead` is
    context repeated before the passage's own words so that it reads alone (the lead-in of
    the list it belongs to, or the heading of a passage of a few words), "" for most.
    `role` says what the passage is for (see assistant.roles): reference entries, navigation
    leftovers, closing lines and lone lead-ins are shown in their document, not cited as answers.
    """

    passage_id: str
    doc_id: str
    text: str
    section: tuple[str, ...]
    lang: str
    start: int
    end: int
    order: int
    kind: str = "paragraph"
    sectors: tuple[str, ...] = ()
    translation_id: str | None = None
    lead: str = ""
    role: str = TEXT

    @property
    def citable(self) -> bool:
        """Return whether the passage may be given as an answer (not a reference entry, a closing line…)."""
        return self.role in CITABLE_ROLES

    @property
    def own_text(self) -> str:
        """Return the passage's own words, without the context repeated before them."""
        return self.text[len(self.lead) :]

    @property
    def section_label(self) -> str:
        """Return the section path as one readable line."""
        return " › ".join(self.section)

    @property
    def word_count(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class Hit:
    """A passage returned for a question, with its score and its translation if any."""

    passage: Passage
    score: float
    translation: Passage | None = None
    highlights: tuple[tuple[int, int], ...] = ()
    scores: dict[str, float] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Answer:
    """What the assistant found for one question."""

    question: str
    lang: str
    answerable: bool
    hits: tuple[Hit, ...]
    confidence: str = "high"  # "high" | "medium" | "low"; answerable is False exactly when "low"
    understood_as: str = ""  # the question actually searched (follow-up resolved, typos corrected)
    signals: dict[str, float] = field(default_factory=dict, compare=False)  # what decided the confidence


@dataclass(frozen=True)
class Filters:
    """Restrict a search to some sectors and/or documents (empty = no restriction)."""

    sectors: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()

    def allows(self, passage: Passage) -> bool:
        """Return whether the passage passes the filters."""
        if self.doc_ids and passage.doc_id not in self.doc_ids:
            return False
        return not self.sectors or any(sector in passage.sectors for sector in self.sectors)

    def __bool__(self) -> bool:
        return bool(self.sectors or self.doc_ids)
