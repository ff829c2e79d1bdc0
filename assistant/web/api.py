"""The JSON API: ask a question, list and read documents and passages."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, current_app, jsonify, request

from assistant import Searcher, answer_question, parse_ask
from assistant.serialise import answer_to_dict, document_to_dict, passage_to_dict
from assistant.stats import read_stats
from assistant.web.errors import ApiError
from assistant.web.i18n import request_language
from assistant.web.state import document_passages, searcher_of
from assistant.web.validate import parse_json_body

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.post("/ask")
def ask():
    """Answer {"question", "k", "sectors"?, "documents"?} with the `assistant ask --json` contract."""
    answer = answer_body(searcher_of(), request.get_data(cache=False), request.mimetype, request_language(request),
                         current_app.config)
    return jsonify(answer)


def answer_body(searcher: Searcher, body: bytes, mimetype: str, lang: str, config: Mapping) -> dict:
    """Return the answer to a request body of POST /api/ask (also answered by web/fast_ask.py without Flask)."""
    data = parse_json_body(body, mimetype, lang)
    wanted = parse_ask(data, searcher.index.documents, lang, config["MAX_QUESTION_CHARS"])
    answer = answer_question(searcher, wanted, config.get("SETTINGS"))
    return answer_to_dict(answer, searcher.index)


@bp.get("/stats")
def stats():
    """Return the anonymous question counts, or that they are off (ASSISTANT_STATS)."""
    settings = current_app.config.get("SETTINGS")
    if settings is None or not settings.stats_enabled:
        return jsonify({"enabled": False})
    return jsonify({"enabled": True, **read_stats(settings.index_dir)})


@bp.get("/documents")
def documents():
    """List the documents of the index."""
    index = searcher_of().index
    listed = sorted(index.documents.values(), key=lambda document: (document.title.casefold(), document.doc_id))
    return jsonify({"documents": [document_to_dict(document, index) for document in listed]})


@bp.get("/documents/<path:doc_id>")
def document(doc_id: str):
    """Return one document of the index with its text, blocks and passages."""
    index = searcher_of().index
    found = index.documents.get(doc_id)
    if found is None:
        raise ApiError(404, "document_not_found", request_language(request))
    return jsonify(document_to_dict(found, index, with_text=True, passages=document_passages(doc_id)))


@bp.get("/passages/<path:passage_id>")
def passage(passage_id: str):
    """Return one passage of the index, with its translation when it has one."""
    index = searcher_of().index
    found = index.passage(passage_id)
    if found is None:
        raise ApiError(404, "passage_not_found", request_language(request))
    data = passage_to_dict(found, index)
    translation = index.passage(found.translation_id) if found.translation_id else None
    data["translation"] = passage_to_dict(translation, index) if translation else None
    return jsonify(data)
