"""Run the application under waitress on one address, each worker thread set up for search."""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import webbrowser
from collections.abc import Callable

from flask import Flask

from assistant.web.connections import ServeLimits, enforce
from assistant.web.dispatch import dispatcher

log = logging.getLogger(__name__)


class BadListenAddress(ValueError):
    """A --host that is no address of this computer's kind (e.g. 999.1.1.1)."""


def is_loopback(host: str) -> bool:
    """Return whether a host name or address is reachable from this computer only."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str) -> str | None:
    """Return the warning to print when the server listens beyond this computer, else None."""
    if is_loopback(host):
        return None
    return (
        f"WARNING: listening on {host}, not only on this computer (127.0.0.1). Anyone who can reach "
        "this machine on the network can ask questions and read the documents; there is no login. "
        "Use --host 127.0.0.1 unless you really mean to share it. Pages are served only to the names "
        "given with --allowed-host (and this address)."
    )


def check_listen_address(host: str) -> None:
    """Raise BadListenAddress unless host is an address or a name this computer can listen on."""
    try:
        socket.getaddrinfo(host.strip("[]"), 0, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError):
        raise BadListenAddress("--host is not an address this computer can listen on "
                               "(e.g. 127.0.0.1, localhost, ::1 or 0.0.0.0)") from None


def make_server(app: Flask, host: str | None = None, port: int | None = None, limits: ServeLimits | None = None,
                sockets: list[socket.socket] | None = None):
    """Return a waitress server listening on host:port (port 0: a free one) or on open sockets, not yet running.

    Its connections keep `limits` (assistant.web.connections): at most connection_limit at
    once, closed when idle or when a request is too slow to arrive. `sockets` are listening
    sockets opened elsewhere (assistant.web.workers shares one among processes).
    """
    from waitress import create_server

    limits = limits or ServeLimits()
    if sockets:
        where: dict = {"sockets": sockets}
    else:
        check_listen_address(host)
        where = {"host": host, "port": port}
    # Waitress warns about its task queue depth under bursts; that is noise for one laptop.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    channels: dict = {}
    # _dispatcher: waitress's hook for a dispatcher of one's own (its threads woken newest first)
    server = create_server(app, map=channels, ident="assistant", _dispatcher=dispatcher(limits.threads), **where,
                           **limits.waitress_options())
    enforce(channels, limits)
    return server


def serve_app(app: Flask, host: str, port: int, on_ready: Callable[[str], None] | None = None,
              open_browser: bool = False, limits: ServeLimits | None = None) -> None:
    """Serve the app with waitress until interrupted; call on_ready(url) once listening."""
    server = make_server(app, host, port, limits)
    bound_port = server.effective_port  # type: ignore[union-attr]
    shown_host = host if ":" not in host else f"[{host}]"
    url = f"http://{shown_host}:{bound_port}/"
    if on_ready:
        on_ready(url)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    try:
        server.run()
    finally:
        server.close()
