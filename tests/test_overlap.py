"""A large collection's keyword side on a helper thread while FAISS searches: the same answers."""

from __future__ import annotations

import multiprocessing

import pytest

from assistant.search import overlap
from assistant.search.filters import Filters
from assistant.search.overlap import OVERLAP_FROM, beside, worth_overlapping

QUESTIONS = [
    "How do I start a partnership with the police?",
    "comment partager de l'information sur un jeune avec un partenaire?",
    "partenariat polcie",
    "Quelles références sur l'exploitation sexuelle?",  # asks for references: another mask
    "zzz qqq",
]


def _fingerprint(answer):
    return (answer.confidence, answer.answerable, answer.understood_as,
            [(hit.passage.passage_id, hit.score, hit.highlights, hit.scores) for hit in answer.hits], answer.signals)


def test_only_large_collections_use_a_second_thread(searcher):
    assert not worth_overlapping(OVERLAP_FROM - 1) and worth_overlapping(OVERLAP_FROM)
    assert searcher.overlap is False  # the bundled corpus: a hand-over would cost more than it saves


@pytest.mark.parametrize("filters", [None, Filters(sectors=("police",))])
def test_the_answers_are_the_same_beside_faiss_and_after_it(searcher, filters):
    for question in QUESTIONS:  # a question's first time also encodes its unknown words with it: other float bits
        searcher.ask(question, k=8, filters=filters)
    alone = [_fingerprint(searcher.ask(question, k=8, filters=filters)) for question in QUESTIONS]
    searcher.overlap = True
    try:
        together = [_fingerprint(searcher.ask(question, k=8, filters=filters)) for question in QUESTIONS]
        lexical = searcher.ask(QUESTIONS[0], retriever="lexical")
    finally:
        searcher.overlap = False
    assert together == alone
    assert any(hits for _, _, _, hits, _ in alone)  # real answers, not empty ones compared
    assert _fingerprint(lexical) == _fingerprint(searcher.ask(QUESTIONS[0], retriever="lexical"))


def test_an_error_on_the_helper_thread_reaches_the_question():
    with pytest.raises(ZeroDivisionError):
        beside(lambda: 1 / 0).result(timeout=5)


def _in_child(results) -> None:
    results.put(beside(lambda: "answered in the child").result(timeout=5))


def test_a_forked_worker_makes_its_own_helper_thread():
    assert beside(lambda: 41 + 1).result(timeout=5) == 42  # the parent's thread exists
    parent_executor = overlap._executor
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_in_child, args=(results,))
    child.start()
    child.join(timeout=20)
    assert child.exitcode == 0
    assert results.get(timeout=5) == "answered in the child"
    assert overlap._executor is parent_executor
