"""Errors as the API reports them: a 4xx status and a JSON message in the question's language."""

from __future__ import annotations

import logging
import traceback

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from assistant.web.i18n import french_typography, page_context, request_language

log = logging.getLogger(__name__)

API_PREFIX = "/api/"

_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "bad_request": "The request could not be understood.",
        "not_json": "Send the request as JSON (Content-Type: application/json).",
        "not_utf8": "The request body is not valid UTF-8 text.",
        "malformed_json": "The request body is not valid JSON.",
        "not_object": 'The request body must be a JSON object such as {"question": "…", "k": 5}.',
        "question_missing": 'The request has no "question".',
        "question_type": 'The "question" must be text.',
        "question_empty": "The question is empty: type a question.",
        "question_too_long": "The question is too long ({length} characters): the limit is {limit} "
        "characters. Shorten it to the essential.",
        "question_invalid": "The question holds characters that are not text.",
        "k_invalid": 'The number of passages "k" must be a whole number from 1 to {limit}.',
        "list_invalid": 'The "{field}" must be a list of texts.',
        "sector_unknown": "Unknown sector(s): {names}. Known sectors: {known}.",
        "document_unknown": "Unknown document(s): {names}.",
        "passages_invalid": 'The "passages" must be a list of 1 to {limit} passage ids.',
        "passages_unknown": "{count} excerpt(s) are no longer in the documents (the index was rebuilt): "
        "remove them from your excerpts and export again.",
        "export_format_invalid": 'The "format" must be one of: {known}.',
        "export_lang_invalid": 'The "lang" must be one of: {known}.',
        "too_large": "The request is too large: a question may have at most {limit} characters.",
        "not_found": "There is nothing at this address.",
        "document_not_found": "There is no document with this id.",
        "passage_not_found": "There is no passage with this id.",
        "method_not_allowed": "This address does not accept this method ({method}).",
        "internal": "The assistant could not answer this request. Please try again.",
    },
    "fr": {
        "bad_request": "La demande n'a pas pu être comprise.",
        "not_json": "Envoyez la demande en JSON (type de contenu application/json).",
        "not_utf8": "Le corps de la demande n'est pas un texte UTF-8 valide.",
        "malformed_json": "Le corps de la demande n'est pas du JSON valide.",
        "not_object": 'Le corps de la demande doit être un objet JSON avec une "question" et un "k" facultatif.',
        "question_missing": 'La demande n\'a pas de "question".',
        "question_type": 'La "question" doit être du texte.',
        "question_empty": "La question est vide : tapez une question.",
        "question_too_long": "La question est trop longue ({length} caractères) : la limite est de "
        "{limit} caractères. Raccourcissez-la à l'essentiel.",
        "question_invalid": "La question contient des caractères qui ne sont pas du texte.",
        "k_invalid": 'Le nombre de passages "k" doit être un nombre entier de 1 à {limit}.',
        "list_invalid": 'Le champ "{field}" doit être une liste de textes.',
        "sector_unknown": "Secteur(s) inconnu(s) : {names}. Secteurs connus : {known}.",
        "document_unknown": "Document(s) inconnu(s) : {names}.",
        "passages_invalid": 'Le champ "passages" doit être une liste de 1 à {limit} identifiants de passages.',
        "passages_unknown": "{count} extrait(s) ne sont plus dans les documents (l'index a été reconstruit) : "
        "retirez-les de vos extraits et exportez de nouveau.",
        "export_format_invalid": 'Le champ "format" doit valoir : {known}.',
        "export_lang_invalid": 'Le champ "lang" doit valoir : {known}.',
        "too_large": "La demande est trop grande : une question peut avoir au plus {limit} caractères.",
        "not_found": "Il n'y a rien à cette adresse.",
        "document_not_found": "Aucun document ne porte cet identifiant.",
        "passage_not_found": "Aucun passage ne porte cet identifiant.",
        "method_not_allowed": "Cette adresse n'accepte pas cette méthode ({method}).",
        "internal": "L'assistant n'a pas pu répondre à cette demande. Veuillez réessayer.",
    },
}

_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "not_json",
    500: "internal",
}


def message(code: str, lang: str, **values: object) -> str:
    """Return the message for an error code in a language, its values filled in."""
    lang = lang if lang in _MESSAGES else "en"
    text = _MESSAGES[lang][code].format(**values)
    return french_typography(text) if lang == "fr" else text


def message_templates(lang: str) -> dict[str, str]:
    """Return every error message of a language with its {placeholders}, for the page's script."""
    table = _MESSAGES[lang if lang in _MESSAGES else "en"]
    return {code: french_typography(text) if lang == "fr" else text for code, text in table.items()}


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
