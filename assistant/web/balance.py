"""Share kept-alive connections evenly among forked workers that accept on one socket."""

from __future__ import annotations

import os

from waitress import wasyncore

# How often an idle worker looks again at the others' connection counts (waitress's default
# is 1 s), should a wake-up be missed: the others' pipes wake it at once otherwise.
BALANCE_CHECK = 0.05


class _Wake(wasyncore.file_dispatcher):
    """The read end of a worker's wake pipe in its waitress loop: drained, nothing more."""

    def handle_read(self) -> None:
        try:
            self.recv(4096)
        except BlockingIOError:
            pass

    def writable(self) -> bool:
        return False


def balance_connections(server, counts: memoryview, index: int, wakes: list[tuple[int, int]]) -> None:
    """Have this worker accept connections only while it holds no more than any other worker.

    The kernel wakes every worker for a new connection and the quickest takes it, so without
    this one worker often ends up with most kept-alive connections (8 clients: 8–0 or 7–1 in
    half the trials) and the other core idles. waitress asks readable() before each wait; a
    worker that took a connection wakes the others (their pipes), so one that stopped
    accepting looks again at once rather than after its wait (200 connections opened at once
    took seconds to be accepted without it).
    """
    accepts = server.readable
    own = len(server._map) + 1  # the listener, waitress's trigger and our wake pipe, before any connection
    _Wake(wakes[index][0], map=server._map)
    others = [write for slot, (_, write) in enumerate(wakes) if slot != index]
    last = [0]

    def readable() -> bool:
        held = len(server._map) - own
        counts[index] = held
        if held > last[0]:
            for write in others:
                try:
                    os.write(write, b"!")
                except OSError:  # full (that worker has yet to look) or gone: nothing to add
                    pass
        last[0] = held
        least = min((count for slot, count in enumerate(counts) if slot != index), default=held)
        return accepts() and held <= least

    server.readable = readable
    server.adj.asyncore_loop_timeout = BALANCE_CHECK
