"""`assistant serve`: the web face's command, added to the CLI's group by assistant.__main__."""

from __future__ import annotations

import os
import sys

import click

from assistant import UserError, prepare_searcher
from assistant.harness import READY_LINE
from assistant.shown import shown
from assistant.web.app import create_app
from assistant.web.connections import CONNECTION_LIMIT, THREADS, ServeLimits
from assistant.web.guard import ADMIN_TOKEN_ENV, writes_read_only
from assistant.web.hosts import allowed_hosts
from assistant.web.serve import BadListenAddress, check_listen_address, exposure_warning, is_loopback, serve_app
from assistant.web.state import close_state, live_searcher
from assistant.web.workers import WorkersFailed, can_fork, default_workers, prepare_to_fork, serve_workers

EXIT_PROBLEM = 2


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but 127.0.0.1/localhost shares the page on the network.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the web browser.")
@click.option("--threads", default=THREADS, show_default=True, type=click.IntRange(1, 64),
              help="Requests answered at once; more wait their turn.")
@click.option("--connection-limit", default=CONNECTION_LIMIT, show_default=True, type=click.IntRange(10, 10000),
              help="Connections open at once; more wait until one closes.")
@click.option("--allowed-host", "allowed_host", multiple=True, metavar="NAME",
              help="A name (or address) the page is reached by besides localhost and --host; repeatable.")
@click.option("--read-only", is_flag=True,
              help="Refuse every change to the collection from the page (the default beyond 127.0.0.1 "
              f"unless {ADMIN_TOKEN_ENV} is set).")
@click.option("--workers", type=click.IntRange(1, 64), default=default_workers, show_default="the cores, at most 4",
              help="Serving processes sharing the index (one on Windows).")
@click.pass_obj
def serve(settings, host: str, port: int, open_browser: bool, threads: int, connection_limit: int,
          allowed_host: tuple[str, ...], read_only: bool, workers: int) -> None:
    """Serve the chat page and the JSON API (builds the index first when there is none)."""
    try:
        check_listen_address(host)
    except BadListenAddress as error:
        _fail(str(error))
    limits = ServeLimits(threads=threads, connection_limit=connection_limit)
    forked = workers > 1 and can_fork()
    if forked:
        prepare_to_fork()
    try:
        prepared = prepare_searcher(settings, progress=True)
    except UserError as error:
        _fail(str(error))
    if prepared.built:
        click.echo(f"indexed {prepared.built.passages} passages from {prepared.built.documents} documents",
                   err=True)
    warning = exposure_warning(host)
    if warning:
        click.secho(warning, err=True, fg="red", bold=True)
    admin_token = os.environ.get(ADMIN_TOKEN_ENV, "").strip() or None
    read_only = writes_read_only(is_loopback(host), read_only, admin_token)
    if read_only:
        click.echo("read-only: the collection cannot be changed from the page", err=True)
    app = create_app({"SEARCHER": prepared.searcher, "SETTINGS": settings, "READ_ONLY": read_only,
                      "ADMIN_TOKEN": admin_token, "ALLOWED_HOSTS": allowed_hosts(host, allowed_host)})
    # A build finished by the page or by `assistant ingest` is used within seconds: each serving
    # process watches for it (a thread, so a forked worker starts its own).
    watch = live_searcher(app).watch
    try:
        announce = lambda url: click.echo(f"{READY_LINE} {url} (Ctrl+C to stop)", err=True)  # noqa: E731
        if forked:
            serve_workers(app, host, port, workers, open_browser=open_browser, on_ready=announce, in_worker=watch,
                          limits=limits)
        else:
            watch()
            serve_app(app, host, port, open_browser=open_browser, limits=limits, on_ready=announce)
    except OSError as error:
        _fail(f"cannot listen on {host}:{port}: {error.strerror or error} (try another --port)")
    except WorkersFailed as error:
        _fail(str(error))
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        close_state(app)


def _fail(message: str) -> None:
    click.echo(f"error: {shown(message)}", err=True)
    sys.exit(EXIT_PROBLEM)
