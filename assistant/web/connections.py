"""Bounded connections: how many, for how long, and the waitress channel that keeps the deadlines.

Waitress closes a connection only after `channel_timeout` seconds without a byte, and every
byte restarts that clock: a client trickling one header byte every few seconds would hold
its connection (and, with enough of them, every connection) for ever. So each request also
has a deadline: its headers and body must arrive within `request_timeout` seconds of its
first byte, or the connection is closed without an answer.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from waitress.channel import HTTPChannel

# Every limit of the server, in one place (`assistant serve --threads/--connection-limit`).
THREADS = 8
CONNECTION_LIMIT = 500
IDLE_TIMEOUT = 20  # seconds a connection may stay silent with no request under way
REQUEST_TIMEOUT = 10.0  # seconds to receive one request's headers and body, from its first byte
CLEANUP_INTERVAL = 1  # seconds between two sweeps for idle connections


@dataclass(frozen=True)
class ServeLimits:
    """How many requests at once, how many connections, and how long each may take to speak."""

    threads: int = THREADS
    connection_limit: int = CONNECTION_LIMIT
    idle_timeout: int = IDLE_TIMEOUT
    request_timeout: float = REQUEST_TIMEOUT
    cleanup_interval: int = CLEANUP_INTERVAL

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not value > 0:
                raise ValueError(f"{name} must be positive, not {value!r}")

    def waitress_options(self) -> dict[str, object]:
        """Return the options waitress's create_server takes for these limits."""
        return {
            "threads": self.threads,
            "connection_limit": self.connection_limit,
            "channel_timeout": self.idle_timeout,
            "cleanup_interval": self.cleanup_interval,
            # poll(), not select(): select() cannot watch more than 1,024 sockets.
            "asyncore_use_poll": True,
        }


class DeadlineChannel(HTTPChannel):
    """A waitress channel closed when a request takes longer than `request_timeout` to arrive."""

    request_timeout = REQUEST_TIMEOUT
    receiving_since: float | None = None  # when the first byte of the request being read came

    def received(self, data: bytes) -> bool:
        if data and self.request is None:
            self.receiving_since = time.monotonic()
        result = super().received(data)
        if self.request is None:  # every request of this data arrived whole
            self.receiving_since = None
        return result

    def service(self) -> None:
        super().service()  # in a worker thread: answer the oldest complete request
        if self.receiving_since is not None:  # the next one, pipelined, has its full time from now
            self.receiving_since = time.monotonic()

    def readable(self) -> bool:
        # Waitress's loop asks every channel this at least once a second (asyncore_loop_timeout).
        if self.overdue(time.monotonic()):
            self.will_close = True  # writable() is now true: waitress closes it on its next turn
            return False
        return super().readable()

    def overdue(self, now: float) -> bool:
        """Return whether a request has been arriving for longer than the deadline."""
        if self.receiving_since is None:
            return False
        if self.requests:  # a pipelined request's clock starts once the ones before it are answered
            self.receiving_since = now
            return False
        return now - self.receiving_since > self.request_timeout


def channel_class(limits: ServeLimits) -> type[DeadlineChannel]:
    """Return the channel class keeping these limits' request deadline."""
    return type("ServerChannel", (DeadlineChannel,), {"request_timeout": limits.request_timeout})


def enforce(server_map: dict, limits: ServeLimits) -> None:
    """Make every waitress server of a socket map open its connections as deadline channels."""
    from waitress.server import BaseWSGIServer

    bound = channel_class(limits)
    for dispatcher in server_map.values():
        if isinstance(dispatcher, BaseWSGIServer):
            dispatcher.channel_class = bound
