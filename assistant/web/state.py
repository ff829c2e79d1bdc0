"""What the running application holds: its searcher (following the index folder) and each document's passages.

A request takes the current searcher once (`searcher_of`) and keeps it to its end, so a
build switched in meanwhile never changes the index under a half-served request; the old
searcher is closed after the last request on it is done.
"""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict

from flask import Flask, current_app, g, has_request_context

from assistant import BuildJobs, load_settings
from assistant.records import Passage
from assistant.search import LiveSearcher, Searcher

_LIVE = "assistant.live_searcher"
_JOBS = "assistant.build_jobs"
_JOBS_MADE = threading.Lock()
_BY_DOCUMENT: weakref.WeakKeyDictionary[Searcher, dict[str, list[int]]] = weakref.WeakKeyDictionary()


def install(app: Flask, searcher: Searcher | LiveSearcher) -> None:
    """Make a loaded searcher the application's; it follows its index folder's new builds."""
    live = searcher if isinstance(searcher, LiveSearcher) else LiveSearcher(searcher)
    app.extensions[_LIVE] = live
    app.teardown_request(_release)


def live_searcher(app: Flask | None = None) -> LiveSearcher:
    """Return the application's live searcher (to watch, refresh or close it)."""
    return (app or current_app).extensions[_LIVE]


def build_jobs(app: Flask | None = None) -> BuildJobs:
    """Return the application's queue of background builds, made on first use from its SETTINGS.

    A finished build is switched to at once (the watcher would within a second anyway).
    """
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    with _JOBS_MADE:
        jobs = app.extensions.get(_JOBS)
        if jobs is None:
            settings = app.config.get("SETTINGS") or load_settings()
            live = live_searcher(app)
            jobs = app.extensions[_JOBS] = BuildJobs(settings.corpus_dir, live.folder, settings.encoder,
                                                     on_finished=lambda job: live.refresh())
        return jobs


def close_state(app: Flask) -> None:
    """Stop the application's background build (the index stays as it was) and close its searchers."""
    jobs = app.extensions.pop(_JOBS, None)
    if jobs is not None:
        jobs.close()
    live_searcher(app).close()


def searcher_of(app: Flask | None = None) -> Searcher:
    """Return the searcher of this request (the same one until its end), or the current one outside a request."""
    live = live_searcher(app)
    if not has_request_context():
        return live.current
    held = g.get("assistant_searcher")
    if held is None:
        held = g.assistant_searcher = live.acquire()
    return held


def _release(_error: BaseException | None = None) -> None:
    held = g.pop("assistant_searcher", None)
    if held is not None:
        live_searcher().release(held)


def document_passages(doc_id: str) -> list[Passage]:
    """Return the passages of one document of this request's index, in order (positions grouped once per index)."""
    searcher = searcher_of()
    grouped = _BY_DOCUMENT.get(searcher)
    if grouped is None:
        collected: dict[str, list[int]] = defaultdict(list)
        for number, owner in enumerate(searcher.index.passage_values("doc_id")):
            collected[owner].append(number)
        grouped = _BY_DOCUMENT[searcher] = dict(collected)
    passages = searcher.index.passages
    return [passages[number] for number in grouped.get(doc_id, [])]
