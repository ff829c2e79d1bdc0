"""Errors as the API reports them: a 4xx status and a JSON message in the question's language."""

from __future__ import annotations

import logging
import traceback

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from assistant import IndexProblem
from assistant.messages import message
from assistant.rules import QuestionRejected
from assistant.web.i18n import page_context, request_language

log = logging.getLogger(__name__)

API_PREFIX = "/api/"

_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "not_json",
    500: "internal",
}


class ApiError(Exception):
    """A request the API refuses: its status, a code, and the language to say it in."""

    def __init__(self, status: int, code: str, lang: str | None = None, **values: object) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.lang = lang
        self.values = values


def error_response(status: int, code: str, lang: str | None = None, **values: object) -> Response:
    """Return the JSON body of an API error."""
    lang = lang or request_language(request)
    body = {"error": code, "message": message(code, lang, **values), "status": status, "lang": lang}
    response = jsonify(body)
    response.status_code = status
    return response


def _wants_json() -> bool:
    return request.path.startswith(API_PREFIX)


def _page_error(status: int) -> tuple[str, int]:
    context = page_context(request)
    ui = context["ui"]
    title, body = (
        (ui["not_found_title"], ui["not_found_body"]) if status == 404 else (ui["error_title"], ui["error_body"])
    )
    return render_template("error.html", status=status, title=title, body=body, **context), status


def _values_for(status: int) -> dict[str, object]:
    from flask import current_app

    if status == 413:
        return {"limit": current_app.config["MAX_QUESTION_CHARS"]}
    if status == 405:
        return {"method": request.method}
    return {}


def register_error_handlers(app: Flask) -> None:
    """Answer every error with JSON under /api/ and with a page elsewhere, never a traceback."""

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        return error_response(error.status, error.code, error.lang, **error.values)

    @app.errorhandler(QuestionRejected)
    def _rejected(error: QuestionRejected):
        return error_response(400, error.code, error.lang, **error.values)

    @app.errorhandler(IndexProblem)
    def _index_problem(error: IndexProblem):
        # Found while searching an index too large to check byte by byte at each start.
        log.error("%s", error)
        if _wants_json():
            return error_response(503, "index_damaged")
        return _page_error(503)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        status = error.code or 500
        if not _wants_json():
            return _page_error(status)
        code = _HTTP_CODES.get(status, "bad_request" if status < 500 else "internal")
        response = error_response(status, code, **_values_for(status))
        if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        # The traceback without the exception's message: a message may quote the question.
        log.error(
            "internal error on %s %s: %s\n%s",
            request.method,
            request.path,
            type(error).__name__,
            "".join(traceback.format_tb(error.__traceback__)),
        )
        if _wants_json():
            return error_response(500, "internal")
        return _page_error(500)
