"""Answers and passages as JSON-ready dicts: the one contract the CLI and the API share."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.index import Index
from assistant.records import Answer, Hit, Passage


def passage_url(passage: Passage) -> str:
    """Return the permalink that shows a passage in its document."""
    return f"/documents/{passage.doc_id}#p-{passage.passage_id}"


def passage_to_dict(passage: Passage, index: Index, score: float | None = None) -> dict:
    """Return the contract's view of one passage."""
    document = index.document_info(passage.doc_id)  # in memory: no document read per answer
    data = {
        "id": passage.passage_id,
        "text": passage.text,
        "doc_id": passage.doc_id,
        "title": document.title if document else passage.doc_id,
        "section": passage.section_label,
        "lang": passage.lang,
        "score": round(float(score), 4) if score is not None else None,
        "source": (document.source or document.path) if document else None,
        "organisation": document.organisation if document else None,
        "year": document.year if document else None,
        "sectors": list(passage.sectors),
        "url": passage_url(passage),
    }
    if score is None:
        del data["score"]
    return data


def hit_to_dict(hit: Hit, index: Index) -> dict:
    """Return one result: the passage, its highlights and its translation when there is one."""
    data = passage_to_dict(hit.passage, index, hit.score)
    data["highlights"] = [list(span) for span in hit.highlights]
    data["translation"] = passage_to_dict(hit.translation, index) if hit.translation else None
    return data


def answer_to_dict(answer: Answer, index: Index) -> dict:
    """Return the `assistant ask --json` / `POST /api/ask` contract, best passage first.

    Each passage's `highlights` are [start, end] character spans of its `text` that best
    match the question (see assistant.search.highlight).
    """
    return {
        "question": answer.question,
        "lang": answer.lang,
        "answerable": answer.answerable,
        "confidence": answer.confidence,
        "understood_as": answer.understood_as or answer.question,
        "passages": [hit_to_dict(hit, index) for hit in answer.hits],
    }


def document_to_dict(
    document, index: Index, with_text: bool = False, passages: Sequence[Passage] | None = None
) -> dict:
    """Return a document's description, and its cleaned text and passages when asked.

    `passages` are the document's own, when the caller has them grouped already (the web
    app does), so the whole index is not scanned for one document.
    """
    data = {
        "id": document.doc_id,
        "title": document.title,
        "lang": document.lang,
        "organisation": document.organisation,
        "kind": document.kind,
        "source": document.source or document.path,
        "year": document.year,
        "translation_of": document.translation_of,
        "sectors": list(document.sectors),
        "url": f"/documents/{document.doc_id}",
    }
    if with_text:
        data["text"] = document.text
        data["blocks"] = [
            {"kind": block.kind, "text": block.text, "start": block.start, "end": block.end, "level": block.level}
            for block in document.blocks
        ]
        data["passages"] = [
            {"id": passage.passage_id, "start": passage.start, "end": passage.end, "section": passage.section_label}
            for passage in (passages if passages is not None else index.passages)
            if passage.doc_id == document.doc_id
        ]
    return data
