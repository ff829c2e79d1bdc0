"""waitress's worker threads, the one that went idle last taking the next request.

waitress wakes its idle threads in the order they went idle (threading.Condition wakes
its oldest waiter), so one client asking question after question is served by each of
the eight threads in turn, each finding the processor's caches holding another thread's
work. Waking the thread that finished last instead serves such a client from one or two
threads, warm: `POST /api/ask` at 100,000 passages 0.15-0.2 ms sooner, as with
`--threads 1` (scripts/bench, one kept-alive connection), while eight threads still
answer eight clients at once.
"""

from __future__ import annotations

import threading
from collections import deque

from waitress.task import ThreadedTaskDispatcher


class _NewestWaiterFirst(threading.Condition):
    """A condition whose notify() wakes the threads that began waiting last.

    It reorders CPython's own list of waiters (`_waiters`, the same since Python 3.2); where
    that list is missing, dispatcher() keeps waitress's plain condition.
    """

    def notify(self, n: int = 1) -> None:
        if not self._is_owned():
            raise RuntimeError("cannot notify on un-acquired lock")
        waiters = self._waiters
        woken = 0
        while waiters and woken < n:
            waiter = waiters.pop()
            try:
                waiter.release()
            except RuntimeError:  # released already by an interrupted notify(): not a wake-up
                continue
            woken += 1


def _supported() -> bool:
    probe = threading.Condition()
    return isinstance(getattr(probe, "_waiters", None), deque) and callable(getattr(probe, "_is_owned", None))


def dispatcher(threads: int) -> ThreadedTaskDispatcher:
    """Return waitress's task dispatcher with `threads` threads, waking the last idle one first."""
    tasks = ThreadedTaskDispatcher()
    if _supported():
        tasks.queue_cv = _NewestWaiterFirst(tasks.lock)
    tasks.set_thread_count(threads)
    return tasks
