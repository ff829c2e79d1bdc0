"""Serve the app in several processes: one listening socket, opened here, shared by forked workers.

The parent loads the searcher once (the caller does, before calling serve_workers) and forks
N children; each runs waitress on the inherited socket, and the kernel hands each new
connection to one of them. The children share the parent's memory-mapped index and, after
gc.freeze(), most of its Python objects (copy-on-write). The parent answers nothing: it
waits for every child to be ready, announces the address once, restarts a child that dies
and, on Ctrl+C or SIGTERM, stops them all. Each child watches its parent, so killing the
parent outright (SIGKILL) leaves no child serving. Where there is no fork (Windows), the
caller serves in one process (see can_fork).
"""

from __future__ import annotations

import gc
import logging
import mmap
import os
import select
import signal
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask

from assistant import limit_search_threads
from assistant.web.serve import make_server

log = logging.getLogger(__name__)

WORKERS_AT_MOST = 4  # the default never exceeds it: each worker holds a copy of what it touches
READY_TIMEOUT = 60.0  # seconds for a forked worker to be listening
STOP_TIMEOUT = 10.0  # seconds for workers to finish after SIGTERM, before SIGKILL
PARENT_CHECK = 0.25  # seconds between a worker's checks that its parent is alive
RESTARTS_AT_MOST = 5  # workers restarted within RESTART_WINDOW before the server gives up
RESTART_WINDOW = 60.0
BACKLOG = 1024  # waitress's own default


class WorkersFailed(RuntimeError):
    """The workers could not start, or kept dying."""


def default_workers() -> int:
    """Return the number of serving processes by default: the cores this process may use, at most 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, WORKERS_AT_MOST))


def can_fork() -> bool:
    """Return whether this platform can serve from forked processes (not Windows)."""
    return hasattr(os, "fork") and sys.platform != "win32"


def prepare_to_fork() -> None:
    """Keep this thread's FAISS on one OpenMP thread before it loads and warms up the index.

    GNU OpenMP's threads do not survive fork: once the parent has run a parallel region with
    several threads, a forked child that runs one waits forever for threads it does not have
    (tests/test_workers.py shows it). A parent that never starts them leaves its children free.
    """
    limit_search_threads()


def open_listener(host: str, port: int) -> socket.socket:
    """Open the listening socket the workers share (port 0: a free one)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    listener = socket.socket(family, kind, proto)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as waitress does
        listener.bind(address)
        listener.listen(BACKLOG)
        listener.setblocking(False)
    except OSError:
        listener.close()
        raise
    return listener


@dataclass
class _Pool:
    """The running workers: slot number → pid, and the pipe they say they are ready on."""

    app: Flask
    listener: socket.socket
    ready_read: int
    ready_write: int
    server_options: dict
    counts: memoryview  # connections each worker holds, by slot - 1, in memory shared across fork
    wakes: list[tuple[int, int]]  # a pipe per slot: written when another worker took a connection
    in_worker: Callable[[], None] | None = None
    pids: dict[int, int] = field(default_factory=dict)
    restarts: list[float] = field(default_factory=list)

    def start(self, slot: int) -> None:
        """Fork the worker for one slot."""
        parent = os.getpid()
        self.counts[slot - 1] = 0
        pid = os.fork()
        if pid == 0:  # the child never returns from here
            _run_worker(self, slot, parent)
        self.pids[slot] = pid

    def wait_ready(self, slots: set[int]) -> None:
        """Wait until the workers of these slots have said they listen; raise WorkersFailed if one dies."""
        deadline = time.monotonic() + READY_TIMEOUT
        waiting, buffer = set(slots), b""
        while waiting:
            left = deadline - time.monotonic()
            readable, _, _ = select.select([self.ready_read], [], [], max(0.0, min(left, 0.2)))
            if readable:
                buffer += os.read(self.ready_read, 1024)
                *lines, buffer = buffer.split(b"\n")
                waiting -= {int(line) for line in lines if line}
            for slot in waiting:
                pid = self.pids[slot]
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    self.pids.pop(slot)
                    raise WorkersFailed(f"worker {slot} (pid {pid}) stopped before it was ready")
            if waiting and time.monotonic() >= deadline:
                raise WorkersFailed(f"workers {sorted(waiting)} were not ready after {READY_TIMEOUT:.0f} s")

    def supervise(self) -> None:
        """Wait for workers to die and start others in their place, until interrupted or too many die."""
        while True:
            pid, status = os.waitpid(-1, 0)
            slot = next((slot for slot, known in self.pids.items() if known == pid), None)
            if slot is None:
                continue
            self.pids.pop(slot)
            now = time.monotonic()
            self.restarts = [when for when in self.restarts if now - when < RESTART_WINDOW] + [now]
            how = _describe(status)
            if len(self.restarts) > RESTARTS_AT_MOST:
                raise WorkersFailed(f"worker {slot} (pid {pid}) {how}; {RESTARTS_AT_MOST} restarts within "
                                    f"{RESTART_WINDOW:.0f} s, giving up")
            log.warning("worker %d (pid %d) %s; starting another", slot, pid, how)
            self.start(slot)
            self.wait_ready({slot})

    def stop(self) -> None:
        """Stop every worker: SIGTERM, then SIGKILL those still running after STOP_TIMEOUT."""
        for pid in self.pids.values():
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while self.pids and time.monotonic() < deadline:
            for slot, pid in list(self.pids.items()):
                if _reaped(pid):
                    self.pids.pop(slot)
            time.sleep(0.02)
        for slot, pid in list(self.pids.items()):
            log.warning("worker %d (pid %d) did not stop within %.0f s; killing it", slot, pid, STOP_TIMEOUT)
            _signal(pid, signal.SIGKILL)
            _reaped(pid, block=True)
            self.pids.pop(slot)


def serve_workers(app: Flask, host: str, port: int, workers: int, on_ready: Callable[[str], None] | None = None,
                  open_browser: bool = False, in_worker: Callable[[], None] | None = None,
                  **server_options) -> None:
    """Serve the app from `workers` forked processes until interrupted; call on_ready(url) once all listen.

    in_worker runs in each worker before it listens (threads do not survive fork: start them
    there). server_options go to serve.make_server in each worker, as the one-process server gets them.
    """
    listener = open_listener(host, port)
    ready_read, ready_write = os.pipe()
    shared = mmap.mmap(-1, 4 * workers)  # anonymous, MAP_SHARED: the children write, all read
    wakes = [os.pipe() for _ in range(workers)]
    for _, write in wakes:
        os.set_blocking(write, False)  # a worker never waits on another's full pipe
    pool = _Pool(app, listener, ready_read, ready_write, server_options, memoryview(shared).cast("i"), wakes,
                 in_worker)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    gc.freeze()  # objects loaded so far stay out of the collector's writes: their pages stay shared
    try:
        for slot in range(1, workers + 1):
            pool.start(slot)
        pool.wait_ready(set(pool.pids))
        bound_port = listener.getsockname()[1]
        shown_host = host if ":" not in host else f"[{host}]"
        url = f"http://{shown_host}:{bound_port}/"
        if on_ready:
            on_ready(url)
        if open_browser:
            threading.Timer(0.5, webbrowser.open, args=(url,)).start()
        pool.supervise()
    finally:
        pool.stop()
        signal.signal(signal.SIGTERM, previous)
        gc.unfreeze()
        pool.counts.release()
        shared.close()
        listener.close()
        for pair in wakes:
            for end in pair:
                os.close(end)
        os.close(ready_read)
        os.close(ready_write)


def _run_worker(pool: _Pool, slot: int, parent: int) -> None:
    """Serve in a forked child until SIGTERM, Ctrl+C or the parent's death; never return."""
    code = 0
    try:
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.close(pool.ready_read)
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
        if pool.in_worker:
            pool.in_worker()
        server = make_server(pool.app, sockets=[pool.listener], **pool.server_options)
        from assistant.web.balance import balance_connections  # waitress, in the worker only

        balance_connections(server, pool.counts, slot - 1, pool.wakes)
        os.write(pool.ready_write, f"{slot}\n".encode())
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
    except KeyboardInterrupt:
        pass
    except BaseException:  # a worker must never return into the parent's code
        log.exception("worker %d failed", slot)
        code = 1
    finally:
        logging.shutdown()
        os._exit(code)


def _watch_parent(parent: int) -> None:
    """Interrupt this worker once its parent is gone (it was killed without stopping us)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK)
    os.kill(os.getpid(), signal.SIGTERM)


def _interrupt(signum: int, frame) -> None:
    """Turn SIGTERM into the KeyboardInterrupt that Ctrl+C raises, so both stop the same way."""
    raise KeyboardInterrupt


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _reaped(pid: int, block: bool = False) -> bool:
    """Return whether the child has exited (and collect it)."""
    try:
        return os.waitpid(pid, 0 if block else os.WNOHANG)[0] == pid
    except ChildProcessError:
        return True


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"was killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with code {os.waitstatus_to_exitcode(status)}"
