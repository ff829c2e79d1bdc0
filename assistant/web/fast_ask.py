"""POST /api/ask answered without Flask's request machinery when nothing needs it.

Flask's request and application contexts, routing, hooks and response object cost about
0.3 ms of a question's round trip through waitress (0.71 against 0.42 ms with the search
itself taken out; a bare WSGI answer takes 0.25). The API's answer needs none of them: the
same checks and calls as the view (assistant.web.api.ask) run here on the WSGI environment,
and the same JSON comes out, byte for byte (tests/test_fast_ask.py compares both).

Anything out of the ordinary goes to Flask, which answers as it always has: another method
or path, a body that is not a JSON of known length within the limit, a Host not allowed,
debug mode, hooks or signal receivers other than the application's own, and every refusal
or error (the body read is handed over, so Flask reads the same bytes and gives its own
error answer). The security headers are added around both (assistant.web.app).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable

from flask import Flask, request_finished, request_started
from werkzeug.http import parse_cookie

from assistant.web.api import answer_body
from assistant.web.hosts import host_allowed
from assistant.web.language import LANGUAGE_COOKIE, chosen_language
from assistant.web.state import live_searcher

PATH = "/api/ask"
# Set to False to send every request through Flask (the tests compare both ways).
SWITCH = "ASK_WITHOUT_FLASK"

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


def answer_directly(app: Flask, flask_app: WSGIApp, prepare: Callable[[], None]) -> WSGIApp:
    """Return a WSGI application answering plain POST /api/ask itself and the rest through `flask_app`.

    Call it once the application is complete: the hooks registered by then are those it
    knows to be its own (`prepare` stands for the ones it runs itself); any added later
    sends every request back through Flask.
    """
    own_hooks = _hooks(app)
    live = live_searcher(app)

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if (environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != PATH or not _plain(app, own_hooks)
                or not host_allowed(environ.get("HTTP_HOST"), app.config["ALLOWED_HOSTS"])):
            return flask_app(environ, start_response)
        body = _body(environ, app.config["MAX_CONTENT_LENGTH"])
        if body is None:
            return flask_app(environ, start_response)
        try:
            prepare()
            data = _answer(app, live, environ, body)
        except Exception:  # a refusal or an error: Flask reads the same body and answers as it always does
            # (an error after the search, never seen, would count the question twice when counts are on)
            environ["wsgi.input"] = io.BytesIO(body)
            return flask_app(environ, start_response)
        start_response("200 OK", [("Content-Type", app.json.mimetype), ("Content-Length", str(len(data)))])
        return [data]

    return application


def _answer(app: Flask, live, environ: dict, body: bytes) -> bytes:
    """Return the JSON of the answer, as the view's jsonify() writes it."""
    searcher = live.acquire()
    try:
        cookies = environ.get("HTTP_COOKIE")
        remembered = parse_cookie(cookies).get(LANGUAGE_COOKIE, "") if cookies else ""
        lang = chosen_language(remembered, environ.get("HTTP_ACCEPT_LANGUAGE", ""))
        answer = answer_body(searcher, body, "application/json", lang, app.config)
        return f"{app.json.dumps(answer, separators=(',', ':'))}\n".encode()
    finally:
        live.release(searcher)


def _hooks(app: Flask) -> tuple:
    """Return what decides whether Flask would do more for the request than the view."""
    return (
        {key: list(funcs) for key, funcs in app.before_request_funcs.items() if funcs},
        {key: list(funcs) for key, funcs in app.after_request_funcs.items() if funcs},
        {key: list(funcs) for key, funcs in app.teardown_request_funcs.items() if funcs},
        {key: list(funcs) for key, funcs in app.url_value_preprocessors.items() if funcs},
    )


def _plain(app: Flask, own_hooks: tuple) -> bool:
    """Return whether Flask would only run the application's own hooks and the view, compactly."""
    return (app.config.get(SWITCH, True) and not app.debug and app.json.compact is not False
            and not request_started.receivers
            and not request_finished.receivers and _hooks(app) == own_hooks)


def _body(environ: dict, most: int | None) -> bytes | None:
    """Return a JSON body of declared length within the limit, or None (Flask then decides)."""
    kind = environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
    length = environ.get("CONTENT_LENGTH", "")
    if kind != "application/json" or not length.isdigit() or environ.get("HTTP_TRANSFER_ENCODING"):
        return None
    if most is not None and int(length) > most:
        return None
    body = environ["wsgi.input"].read(int(length))
    if len(body) != int(length):  # the client went away mid-body: Flask says what happened
        environ["wsgi.input"] = io.BytesIO(body)
        return None
    return body

