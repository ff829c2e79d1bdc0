"""The assistant as its faces use it: opened (built first when needed), asked under the rules."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from assistant.build import BuildReport, build_index
from assistant.config import Settings
from assistant.index import IndexMissing, IndexStale
from assistant.lang import warm_up
from assistant.records import Answer
from assistant.rules import AskRequest
from assistant.search import Searcher, open_searcher
from assistant.startup import paused_collection
from assistant.stats import record_question

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """The loaded searcher, and the build report when the index had to be built first."""

    searcher: Searcher
    built: BuildReport | None


def prepare_searcher(settings: Settings, progress: bool = False) -> Prepared:
    """Open the index, building it first when it is missing or the corpus has changed."""
    built = None
    try:
        searcher = open_searcher(settings)
    except (IndexMissing, IndexStale) as problem:
        log.warning("%s; building the index of %s now", problem, settings.corpus_dir)
        built = build_index(settings.corpus_dir, settings.index_dir, settings.encoder, progress=progress)
        searcher = open_searcher(settings)
    with paused_collection():  # see assistant.startup
        warm_up()
        # One question now, so the first person to ask does not wait for lazy loads.
        searcher.ask("warm up", k=1)
    return Prepared(searcher=searcher, built=built)


def answer_question(searcher: Searcher, request: AskRequest, settings: Settings | None = None) -> Answer:
    """Answer a checked question; count it (language, answered or not) when counts are on."""
    answer = searcher.ask(request.question, k=request.k, filters=request.filters, context=request.context)
    if settings is not None and settings.stats_enabled:
        record_question(settings.index_dir, answer.lang, answer.answerable)
    return answer
