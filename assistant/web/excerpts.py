"""The excerpt basket's export: POST /api/export turns passage ids into a Markdown or DOCX file."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, current_app, jsonify, request

from assistant import load_settings
from assistant.export import FORMATS, LANGUAGES, MEDIA_TYPES, UnknownPassages, collect_excerpts, export_excerpts
from assistant.web.errors import ApiError, message
from assistant.web.i18n import request_language
from assistant.web.state import searcher_of
from assistant.web.validate import parse_json_body

bp = Blueprint("excerpts", __name__, url_prefix="/api")

# A training session's worth of excerpts, and a bound on the work one request can ask for.
MAX_EXCERPTS = 200
FILE_STEMS = {"fr": "mes-extraits", "en": "my-excerpts"}


def _passage_ids(data: dict, lang: str) -> list[str]:
    """Return the list of passage ids of the request, in the order given, without duplicates."""
    ids = data.get("passages")
    if (
        not isinstance(ids, list)
        or not ids
        or len(ids) > MAX_EXCERPTS
        or not all(isinstance(item, str) and 0 < len(item) <= 200 for item in ids)
    ):
        raise ApiError(400, "passages_invalid", lang, limit=MAX_EXCERPTS)
    return list(dict.fromkeys(ids))


@bp.post("/export")
def export():
    """Return {"passages": [ids], "format": "md"|"docx", "lang": "fr"|"en"} as a file to download."""
    fallback = request_language(request)
    data = parse_json_body(request.get_data(cache=False), request.mimetype, fallback)
    if not isinstance(data, dict):
        raise ApiError(400, "not_object", fallback)
    lang = data.get("lang", fallback)
    if lang not in LANGUAGES:
        raise ApiError(400, "export_lang_invalid", fallback, known=", ".join(LANGUAGES))
    fmt = data.get("format", "docx")
    if fmt not in FORMATS:
        raise ApiError(400, "export_format_invalid", lang, known=", ".join(FORMATS))
    ids = _passage_ids(data, lang)
    try:
        # Links to the documents' own addresses or to ASSISTANT_PUBLIC_URL, never to this request's Host.
        settings = current_app.config.get("SETTINGS") or load_settings()
        excerpts = collect_excerpts(searcher_of().index, ids, public_url=settings.public_url)
    except UnknownPassages as error:
        # Excerpts kept in a browser outlive a rebuilt index: say which ones are gone.
        refusal = jsonify(
            error="passages_unknown",
            message=message("passages_unknown", lang, count=len(error.missing)),
            status=400,
            lang=lang,
            missing=error.missing,
        )
        refusal.status_code = 400
        return refusal
    body = export_excerpts(excerpts, fmt, lang)
    name = f"{FILE_STEMS[lang]}-{date.today().isoformat()}.{fmt}"
    response = Response(body, mimetype=MEDIA_TYPES[fmt].split(";")[0])
    if fmt == "md":
        response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
