"""Run the application under waitress on one address, each worker thread set up for search."""

from __future__ import annotations

import ipaddress
import logging
import threading
import webbrowser
from collections.abc import Callable

from flask import Flask

log = logging.getLogger(__name__)

THREADS = 8


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
        "Use --host 127.0.0.1 unless you really mean to share it."
    )


def make_server(app: Flask, host: str | None = None, port: int | None = None, threads: int = THREADS,
                sockets: list | None = None):
    """Return a waitress server listening on host:port (port 0: a free one) or on open sockets, not yet running."""
    from waitress import create_server

    # Waitress warns about its task queue depth under bursts; that is noise for one laptop.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    where = {"sockets": sockets} if sockets else {"host": host, "port": port}
    return create_server(app, threads=threads, ident="assistant", **where)


def serve_app(app: Flask, host: str, port: int, on_ready: Callable[[str], None] | None = None,
          open_browser: bool = False) -> None:
    """Serve the app with waitress until interrupted; call on_ready(url) once listening."""
    server = make_server(app, host, port)
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
