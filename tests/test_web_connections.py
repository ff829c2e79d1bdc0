"""Bounded connections on a real waitress server on 127.0.0.1: idle, half-sent and trickling
clients are cut off, and a normal request is answered quickly while they hang on (issue 14)."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from contextlib import ExitStack
from urllib.parse import urlsplit

import pytest

from assistant.web import create_app
from assistant.web.connections import ServeLimits
from tests.conftest import serving

QUESTION = json.dumps({"question": "Comment collaborer avec la police ?"}).encode()
# What the stalled clients sent: a request line and a Host header, then nothing.
HALF_SENT = b"GET /api/documents HTTP/1.1\r\nHost: 127.0.0.1\r\n"


@pytest.fixture(scope="module")
def quick_app(searcher):
    return create_app({"SEARCHER": searcher})


def ask(url: str, timeout: float = 30) -> float:
    """POST a question; return how long the answer took (asserting it is a real answer)."""
    started = time.monotonic()
    request = urllib.request.Request(url + "/api/ask", data=QUESTION, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        assert response.status == 200 and json.loads(response.read())["passages"]
    return time.monotonic() - started


def open_half_sent(url: str, count: int, stack: ExitStack) -> list[socket.socket]:
    """Open `count` connections that each send HALF_SENT and then wait."""
    address = urlsplit(url)
    sockets = []
    for _ in range(count):
        sock = stack.enter_context(socket.create_connection((address.hostname, address.port), timeout=10))
        sock.sendall(HALF_SENT)
        sockets.append(sock)
    return sockets


def closed_by_server(sock: socket.socket, within: float) -> bool:
    """Return whether the server closes this connection within `within` seconds."""
    sock.settimeout(within)
    try:
        return sock.recv(1024) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


class Trickler:
    """Send one more header byte on every socket every `every` seconds, until stopped."""

    def __init__(self, sockets: list[socket.socket], every: float) -> None:
        self.sockets, self.every = sockets, every
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(self.every):
            for sock in self.sockets:
                try:
                    sock.sendall(b"X")
                except OSError:
                    pass

    def __enter__(self) -> Trickler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)


def test_200_half_sent_connections_do_not_delay_a_normal_request(quick_app):
    # Waitress's defaults (100 connections, 120 s idle timeout) left this request waiting 148 s.
    with serving(quick_app, limits=ServeLimits()) as url, ExitStack() as stack:
        open_half_sent(url, 200, stack)
        assert ask(url, timeout=20) < 5  # seconds, on a busy machine


def test_clients_beyond_the_limit_trickling_headers_are_cut_off_and_a_request_gets_through(quick_app):
    limits = ServeLimits(threads=4, connection_limit=20, idle_timeout=30, request_timeout=1.5)
    with serving(quick_app, limits=limits) as url, ExitStack() as stack:
        stalled = open_half_sent(url, 30, stack)  # more than the limit: the last ones wait in the queue
        with Trickler(stalled, every=0.3):  # each byte would restart waitress's own idle clock
            took = ask(url, timeout=20)
            assert took < 1.5 + 3, took  # the request deadline and a sweep, not the 30 s idle timeout
            assert all(closed_by_server(sock, within=6) for sock in stalled[:15])


def test_idle_connections_are_closed_after_the_idle_timeout(quick_app):
    limits = ServeLimits(threads=2, idle_timeout=1, request_timeout=30)
    with serving(quick_app, limits=limits) as url, ExitStack() as stack:
        address = urlsplit(url)
        idle = [stack.enter_context(socket.create_connection((address.hostname, address.port))) for _ in range(5)]
        assert not closed_by_server(idle[0], within=0.5)
        assert all(closed_by_server(sock, within=4) for sock in idle)


def test_a_request_arriving_in_pieces_within_the_deadline_is_answered_on_a_kept_connection(quick_app):
    limits = ServeLimits(threads=2, idle_timeout=5, request_timeout=2)
    with serving(quick_app, limits=limits) as url:
        address = urlsplit(url)
        with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
            for _ in range(3):  # the deadline counts from each request's first byte, not the connection's
                head = (f"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        f"Content-Length: {len(QUESTION)}\r\n\r\n").encode()
                sock.sendall(head)
                time.sleep(0.6)
                sock.sendall(QUESTION[:10])
                time.sleep(0.6)
                sock.sendall(QUESTION[10:])
                reply = read_response(sock)
                assert reply.startswith(b"HTTP/1.1 200") and b'"passages"' in reply


def read_response(sock: socket.socket) -> bytes:
    """Read one HTTP response with a Content-Length from a socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += receive(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    fields = dict(line.split(b":", 1) for line in head.split(b"\r\n")[1:])
    length = int(next(value for name, value in fields.items() if name.lower() == b"content-length"))
    while len(body) < length:
        body += receive(sock)
    return head + b"\r\n\r\n" + body


def test_limits_must_be_positive():
    with pytest.raises(ValueError, match="request_timeout"):
        ServeLimits(request_timeout=0)


def receive(sock: socket.socket) -> bytes:
    """Return the next bytes from a socket; fail when the server closed it."""
    data = sock.recv(65536)
    assert data, "the server closed the connection"
    return data


def slow_and_fast(environ, start_response):
    """A WSGI app whose /slow takes 2 s to answer."""
    if environ["PATH_INFO"] == "/slow":
        time.sleep(2)
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def test_a_pipelined_request_gets_its_own_deadline_after_the_ones_before_it():
    limits = ServeLimits(threads=1, idle_timeout=10, request_timeout=1)
    with serving(slow_and_fast, limits=limits) as url:
        address = urlsplit(url)
        with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
            # The start of a second request arrives with the first, which takes 2 s to answer.
            sock.sendall(b"GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /fast HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            assert read_response(sock).startswith(b"HTTP/1.1 200")
            time.sleep(0.3)
            sock.sendall(b"\r\n")
            assert read_response(sock).startswith(b"HTTP/1.1 200")
