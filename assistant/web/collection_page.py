"""The page that manages the collection: its documents, the forms to change them, the index update's progress."""

from __future__ import annotations

from flask import Blueprint, make_response, render_template, request

from assistant import ALLOWED_SUFFIXES, MAX_UPLOAD_FILES, SECTORS, in_megabytes, max_file_bytes
from assistant.messages import message_templates
from assistant.web import guard
from assistant.web.collection_api import collection_state
from assistant.web.i18n import LANGUAGES, page_context
from assistant.web.i18n_collection import collection_strings

bp = Blueprint("collection_page", __name__)


@bp.get("/collection")
def collection():
    """Show the collection's documents and, when writes are on, the forms that change it."""
    context = page_context(request)
    lang = str(context["lang"])
    token = guard.session_token()
    state = collection_state()
    client = {
        "lang": lang,
        "strings": {code: collection_strings(code) for code in LANGUAGES},
        "errors": {code: message_templates(code) for code in LANGUAGES},
        "token": token,
        "state": state,
        "limits": {"maxFileBytes": max_file_bytes(), "maxFiles": MAX_UPLOAD_FILES},
        "accept": sorted(ALLOWED_SUFFIXES),
        "sectors": list(SECTORS),
    }
    html = render_template("collection.html", **{**context, "ui": collection_strings(lang)}, state=state,
                           client=client, accept=",".join(sorted(ALLOWED_SUFFIXES)),
                           max_files=MAX_UPLOAD_FILES, max_mb=in_megabytes(max_file_bytes()))
    return guard.set_session_cookie(make_response(html), token)
