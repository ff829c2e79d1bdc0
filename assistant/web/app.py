"""The application factory: the chat page and JSON API over one searcher loaded at start-up."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask

from assistant import Searcher, Settings, limit_search_threads, load_settings, open_searcher
from assistant.lang import warm_up
from assistant.placeholders import fill
from assistant.rules import MAX_QUESTION_CHARS
from assistant.web import api, collection_api, collection_page, excerpts, pages
from assistant.web.errors import register_error_handlers
from assistant.web.fast_ask import answer_directly
from assistant.web.hosts import LOOPBACK_NAMES, install_host_check
from assistant.web.state import install

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication

log = logging.getLogger(__name__)

# Scripts only from this server, no inline script or style, nothing from elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def web_files() -> Path:
    """Return the folder of the installed assistant_web package (templates/ and static/)."""
    return Path(str(resources.files("assistant_web")))


def create_app(config: Mapping[str, object] | None = None) -> Flask:
    """Return the application; config may hold SEARCHER, SETTINGS, ALLOWED_HOSTS and limits.

    The searcher (index, encoder, language profiles) is loaded here once, never per request:
    pass SEARCHER to share one already loaded, or SETTINGS (default: load_settings()).
    """
    files = web_files()
    app = Flask(__name__, template_folder=str(files / "templates"), static_folder=str(files / "static"))
    app.config.from_mapping(
        SEARCHER=None,
        SETTINGS=None,
        MAX_QUESTION_CHARS=MAX_QUESTION_CHARS,
        # A question of the maximum length, every character escaped as \uXXXX, plus filters.
        MAX_CONTENT_LENGTH=64 * 1024,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
        # The Host names requests may carry (assistant.web.hosts): loopback unless told.
        ALLOWED_HOSTS=LOOPBACK_NAMES,
        # Writes to the collection (assistant.web.guard): refused when READ_ONLY; with an
        # ADMIN_TOKEN, only after the page was given it.
        READ_ONLY=False,
        ADMIN_TOKEN=None,
    )
    if config:
        app.config.update(config)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.jinja_env.filters["fill"] = fill
    install(app, app.config["SEARCHER"] or _open_searcher(app.config["SETTINGS"]))
    install_host_check(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(excerpts.bp)
    app.register_blueprint(collection_api.bp)
    app.register_blueprint(collection_page.bp)
    register_error_handlers(app)
    app.before_request(_search_threads)
    # Plain questions skip Flask's request machinery (assistant.web.fast_ask); every answer gets the headers.
    app.wsgi_app = _secured(answer_directly(app, app.wsgi_app, _search_threads))  # type: ignore[method-assign]
    return app


def _open_searcher(settings: Settings | None) -> Searcher:
    searcher = open_searcher(settings or load_settings())
    warm_up()
    return searcher


_thread_state = threading.local()


def _search_threads() -> None:
    """Set up search threads once in each worker thread of the server (see limit_search_threads)."""
    if not getattr(_thread_state, "ready", False):
        limit_search_threads()
        _thread_state.ready = True


_SECURITY_BY_KEY = {name.lower(): (name, value) for name, value in SECURITY_HEADERS.items()}


def _secured(wsgi_app: WSGIApplication) -> WSGIApplication:
    """Return the application adding to every response the security headers its view did not set,
    and keeping JSON answers (which quote questions) out of every cache.

    Added to the list of headers handed to the server, as plain tuples: werkzeug's Headers
    (an after_request hook) cost 0.02 ms a request for the same few lines.
    """

    def application(environ: dict, start_response: StartResponse):
        def start(status: str, headers: list[tuple[str, str]], exc_info=None):
            present = {name.lower() for name, _ in headers}
            headers.extend([pair for key, pair in _SECURITY_BY_KEY.items() if key not in present])
            kind = next((value for name, value in headers if name.lower() == "content-type"), "")
            if kind.split(";", 1)[0].strip().lower() == "application/json":
                headers[:] = [pair for pair in headers if pair[0].lower() != "cache-control"]
                headers.append(("Cache-Control", "no-store"))
            return start_response(status, headers, exc_info)

        return wsgi_app(environ, start)

    return application
