"""Slow clients for the load test: connections that hold a server's sockets without finishing a request.

Three kinds, in turn: idle (connect and say nothing), half-sent (a request line and a Host
header, then silence: what stalled the server in issue 14) and trickling (one more header
byte every few seconds, which restarts a plain idle timeout each time). Whenever the server
closes one, another of the same kind replaces it, so `count` stay open all along.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field

KINDS = ("idle", "half-sent", "trickling")
HALF_SENT = b"GET /api/documents HTTP/1.1\r\nHost: 127.0.0.1\r\n"
TRICKLE_EVERY = 2.0  # seconds between two bytes of a trickling client


@dataclass
class SlowClients:
    """Keep `count` slow connections open on host:port until stopped; count the ones the server cut off."""

    host: str
    port: int
    count: int
    opened: int = 0
    cut_off: int = 0
    refused: int = 0
    _open: dict[socket.socket, str] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> SlowClients:
        for number in range(self.count):
            self._connect(KINDS[number % len(KINDS)])
        self._thread = threading.Thread(target=self._keep, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)
        for sock in self._open:
            sock.close()

    def _connect(self, kind: str) -> None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=5)
            if kind != "idle":
                sock.sendall(HALF_SENT)
        except OSError:
            self.refused += 1
            return
        sock.setblocking(False)
        self._open[sock] = kind
        self.opened += 1

    def _keep(self) -> None:
        """Trickle a byte on the trickling ones; replace each one the server has closed."""
        next_byte = time.monotonic() + TRICKLE_EVERY
        while not self._stop.wait(0.5):
            trickle = time.monotonic() >= next_byte
            if trickle:
                next_byte += TRICKLE_EVERY
            for sock, kind in list(self._open.items()):
                if self._closed(sock) or (trickle and kind == "trickling" and not self._send(sock)):
                    del self._open[sock]
                    sock.close()
                    self.cut_off += 1
                    self._connect(kind)

    @staticmethod
    def _closed(sock: socket.socket) -> bool:
        try:
            return sock.recv(4096) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True

    @staticmethod
    def _send(sock: socket.socket) -> bool:
        try:
            sock.send(b"X")
            return True
        except BlockingIOError:
            return True
        except OSError:
            return False

    def report(self) -> dict[str, int]:
        """Return how many slow connections were held open, opened in all, cut off by the server, refused."""
        return {"slow_connections": self.count, "slow_opened": self.opened, "slow_cut_off": self.cut_off,
                "slow_refused": self.refused}
