"""Run the application under waitress: build the index if there is none, load once, serve."""

from __future__ import annotations

import ipaddress
import logging
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

from assistant.build import BuildReport, build_index
from assistant.config import Settings
from assistant.index import IndexMissing, IndexStale
from assistant.search import Searcher, open_searcher

log = logging.getLogger(__name__)

THREADS = 8


@dataclass(frozen=True)
class Prepared:
    """The loaded searcher, and the build report when the index had to be built first."""

    searcher: Searcher
    built: BuildReport | None


def prepare_searcher(settings: Settings, progress: bool = False) -> Prepared:
    """Open the index, building it first when it is missing or the corpus has changed."""
    from assistant.lang import warm_up

    built = None
    try:
        searcher = open_searcher(settings)
    except (IndexMissing, IndexStale) as problem:
        log.warning("%s; building the index of %s now", problem, settings.corpus_dir)
        built = build_index(settings.corpus_dir, settings.index_dir, settings.encoder, progress=progress)
        searcher = open_searcher(settings)
    warm_up()
    # One question now, so the first person to ask does not wait for lazy loads.
    searcher.ask("warm up", k=1)
    return Prepared(searcher=searcher, built=built)


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


def make_server(app: Flask, host: str, port: int, threads: int = THREADS):
    """Return a waitress server listening on host:port (port 0: a free one), not yet running."""
    from waitress import create_server

    # Waitress warns about its task queue depth under bursts; that is noise for one laptop.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    return create_server(app, host=host, port=port, threads=threads, ident="assistant")


def serve(app: Flask, host: str, port: int, on_ready: Callable[[str], None] | None = None,
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
