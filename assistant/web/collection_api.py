"""The collection's JSON routes: list the documents, add, replace, correct, remove, follow the index update.

Every write goes through `guard.check_write` before its body is read, then through
assistant.collection (the same code as `assistant documents`), then asks the build queue
for an index update; the server keeps answering from the index it has until that build
is switched in (assistant.web.state follows it).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, make_response, request
from werkzeug.exceptions import RequestEntityTooLarge

from assistant import (
    CollectionRejected,
    add_document,
    in_megabytes,
    list_documents,
    max_file_bytes,
    read_statuses,
    remove_document,
    replace_document,
    update_fields,
)
from assistant.web import guard
from assistant.web.errors import ApiError, error_response
from assistant.web.i18n import request_language
from assistant.web.state import build_jobs, live_searcher
from assistant.web.validate import parse_json_body

bp = Blueprint("collection_api", __name__, url_prefix="/api/collection")

_JOBS = "assistant.build_jobs"
# An upload's form around its file: the fields a citation needs, the part headers.
FORM_ROOM = 64 * 1024
FORM_PARTS = 20
FIELD_NAMES = ("title", "lang", "organisation", "kind", "source", "year", "translation_of")


def _settings():
    settings = current_app.config.get("SETTINGS")
    if settings is None:
        raise ApiError(503, "collection_unavailable", request_language(request))
    return settings


def collection_state() -> dict[str, object]:
    """Return what the page shows: whether writes are on, every document with its state, the last update."""
    settings = current_app.config.get("SETTINGS")
    live = live_searcher()
    state: dict[str, object] = {
        "available": settings is not None,
        "read_only": guard.read_only(),
        "admin_required": guard.admin_token() is not None and not guard.unlocked(),
        "build": live.build,
        "documents": [],
        "job": None,
    }
    if settings is None:
        return state
    state["documents"] = [document.to_dict() for document in list_documents(settings.corpus_dir, settings.index_dir)]
    jobs = current_app.extensions.get(_JOBS)
    # Another worker process may have started the update this page should show (serve --workers).
    known = jobs.jobs() if jobs is not None else read_statuses(settings.index_dir)
    state["job"] = known[-1].to_dict() if known else None
    return state


def _write(lang: str):
    guard.check_write(lang)
    return _settings()


def _changed(document: dict[str, object], status: int = 200):
    # `?build=0`: more changes follow (the page's next files); the last one asks for the update.
    job = None if request.args.get("build") == "0" else build_jobs().request().to_dict()
    response = jsonify({"document": document, "job": job})
    response.status_code = status
    return response


def _upload(lang: str) -> tuple[str, bytes, dict[str, object]]:
    """Return the one file of an upload (its name as sent, its bytes) and its fields, within the limits."""
    file_limit = max_file_bytes()
    upload_limit = file_limit + FORM_ROOM
    size = request.content_length
    if size is not None and size > upload_limit:
        raise ApiError(413, "upload_too_large", lang, size=in_megabytes(size), limit=in_megabytes(file_limit))
    request.max_content_length = upload_limit
    request.max_form_parts = FORM_PARTS
    try:
        files = request.files.getlist("file")
        form = request.form
    except RequestEntityTooLarge:
        raise ApiError(413, "upload_too_large", lang, size=f"> {in_megabytes(upload_limit)}",
                       limit=in_megabytes(file_limit)) from None
    if len(files) != 1:
        raise ApiError(400, "upload_one_file", lang)
    data = files[0].stream.read(file_limit + 1)
    fields: dict[str, object] = {name: form[name] for name in FIELD_NAMES if form.get(name, "").strip()}
    if form.getlist("sectors"):
        fields["sectors"] = form.getlist("sectors")
    return files[0].filename or "", data, fields


@bp.errorhandler(CollectionRejected)
def _rejected(error: CollectionRejected):
    return error_response(400, error.code, request_language(request), **error.values)


@bp.get("")
def state():
    """Return the collection as the page shows it."""
    return jsonify(collection_state())


@bp.post("/documents")
def add():
    """Add one file (form field `file`) with its fields; start an index update (unless `?build=0`)."""
    lang = request_language(request)
    settings = _write(lang)
    name, data, fields = _upload(lang)
    document = add_document(settings.corpus_dir, settings.index_dir, name, data, fields, lang)
    return _changed(document.to_dict(), 201)


@bp.put("/documents/<path:doc_id>/file")
def replace(doc_id: str):
    """Put a new version of a document's file in place (form field `file`); start an index update."""
    lang = request_language(request)
    settings = _write(lang)
    name, data, _fields = _upload(lang)
    document = replace_document(settings.corpus_dir, settings.index_dir, doc_id, name, data, lang)
    return _changed(document.to_dict())


@bp.patch("/documents/<path:doc_id>")
def edit(doc_id: str):
    """Set or correct a document's fields ({"title": …, "sectors": […], …}); start an index update."""
    lang = request_language(request)
    settings = _write(lang)
    fields = parse_json_body(request.get_data(cache=False), request.mimetype, lang)
    if not isinstance(fields, dict):
        raise ApiError(400, "not_object", lang)
    document = update_fields(settings.corpus_dir, settings.index_dir, doc_id, fields, lang)
    return _changed(document.to_dict())


@bp.delete("/documents/<path:doc_id>")
def remove(doc_id: str):
    """Remove a document's file and manifest entry; start an index update."""
    lang = request_language(request)
    settings = _write(lang)
    document = remove_document(settings.corpus_dir, settings.index_dir, doc_id, lang)
    return _changed(document.to_dict())


@bp.post("/build")
def build():
    """Start an index update (or join the one waiting to start)."""
    _write(request_language(request))
    job = build_jobs().request()
    return jsonify({"job": job.to_dict()}), 202


@bp.get("/jobs/<job_id>")
def job(job_id: str):
    """Return where an index update stands: queued, running with its progress, done with its report, failed."""
    _settings()
    found = build_jobs().status(job_id)  # this process's, or another worker process's (saved with the index)
    if found is None:
        raise ApiError(404, "job_unknown", request_language(request))
    return jsonify({"job": found.to_dict(), "build": live_searcher().build})


@bp.post("/unlock")
def unlock():
    """Check the administrator token ({"password": …}) and remember it for this browser's session."""
    lang = request_language(request)
    if guard.read_only():
        raise ApiError(403, "collection_read_only", lang)
    guard.check_page_request(lang)
    if guard.too_many_wrong_tokens():
        raise ApiError(429, "admin_too_many_tries", lang)
    body = parse_json_body(request.get_data(cache=False), request.mimetype, lang)
    password = body.get("password") if isinstance(body, dict) else None
    response = make_response(jsonify({"unlocked": True}))
    if not isinstance(password, str) or not guard.unlock(response, password):
        raise ApiError(403, "admin_password_wrong", lang)
    return response
