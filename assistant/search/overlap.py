"""The keyword side of a large collection's question on a second thread, while FAISS searches.

FAISS releases Python's lock while it walks its graph (1.0–1.3 ms at 100,000 passages), and
the keyword scores and their top 100 (0.4–0.5 ms there) fit inside that time: done side by
side, a hybrid question at 100,000 passages took 3.3 ms instead of 3.8 (in process, one
question at a time; the answers are the same numbers). Handing work to a thread costs about
0.1 ms, more than the keyword side of a small collection (0.1 ms at 10,000 passages, where
nothing was gained; the bundled corpus lost 0.15 ms), so only collections from
OVERLAP_FROM passages do it. One helper thread per process, made on first use: a forked
worker makes its own (threads do not survive a fork).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

OVERLAP_FROM = 50_000
HELPER_THREADS = 2  # questions answered side by side by the server's threads share them

_Result = TypeVar("_Result")
_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_owner = 0  # the process that made it


def worth_overlapping(passages: int) -> bool:
    """Whether a collection of this size does its keyword side on a helper thread."""
    return passages >= OVERLAP_FROM


def beside(function: Callable[[], _Result]) -> Future[_Result]:
    """Start `function` on this process's helper thread; its result (or error) comes through the future."""
    global _executor, _owner
    with _lock:
        if _executor is None or _owner != os.getpid():
            _executor = ThreadPoolExecutor(max_workers=HELPER_THREADS, thread_name_prefix="keyword side")
            _owner = os.getpid()
        return _executor.submit(function)
