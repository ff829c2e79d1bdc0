"""What the running application holds: its searcher and each document's passages."""

from __future__ import annotations

from collections import defaultdict

from flask import Flask, current_app

from assistant.records import Passage
from assistant.search import Searcher

_SEARCHER = "assistant.searcher"
_BY_DOCUMENT = "assistant.passages_by_document"


def install(app: Flask, searcher: Searcher) -> None:
    """Make a loaded searcher the application's, with its passages' positions grouped by document."""
    grouped: dict[str, list[int]] = defaultdict(list)
    for number, doc_id in enumerate(searcher.index.passage_values("doc_id")):
        grouped[doc_id].append(number)
    app.extensions[_SEARCHER] = searcher
    app.extensions[_BY_DOCUMENT] = dict(grouped)


def searcher_of(app: Flask | None = None) -> Searcher:
    """Return the application's searcher."""
    return (app or current_app).extensions[_SEARCHER]


def document_passages(doc_id: str) -> list[Passage]:
    """Return the passages of one document of the index, in order."""
    passages = searcher_of().index.passages
    return [passages[number] for number in current_app.extensions[_BY_DOCUMENT].get(doc_id, [])]
