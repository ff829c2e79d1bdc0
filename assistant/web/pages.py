"""The pages: the chat page, the document view, and the interface language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request

from assistant.rules import MAX_K, MAX_QUESTION_CHARS
from assistant.web.document_view import layout_document
from assistant.web.i18n import LANGUAGE_COOKIE, LANGUAGES, page_context, starters, strings
from assistant.web.state import document_passages, searcher_of

bp = Blueprint("pages", __name__)

ONE_YEAR = 365 * 24 * 3600


@bp.get("/")
def chat():
    """Show the question box; the conversation lives in the browser tab only."""
    context = page_context(request)
    catalog = {code: strings(code) for code in LANGUAGES}
    return render_template(
        "chat.html",
        **context,
        starters=starters(),
        client={"lang": context["lang"], "strings": catalog, "maxK": MAX_K,
                "maxQuestionChars": current_app.config.get("MAX_QUESTION_CHARS", MAX_QUESTION_CHARS)},
    )


@bp.post("/")
def chat_without_script():
    """Show the chat page again when a browser without JavaScript posts the form."""
    return chat()


@bp.get("/documents")
def documents():
    """List the documents of the index, each linking to its document view."""
    index = searcher_of().index
    listed = sorted(index.documents.values(), key=lambda document: (document.title.casefold(), document.doc_id))
    return render_template("documents.html", **page_context(request), documents=listed)


@bp.get("/documents/<path:doc_id>")
def document(doc_id: str):
    """Show a whole cleaned document of the index, its passages anchored as #p-<passage id>."""
    index = searcher_of().index
    found = index.documents.get(doc_id)
    if found is None:
        abort(404)
    translations = [
        other
        for other in index.documents.values()
        if other.doc_id != found.doc_id
        and (other.translation_of == found.doc_id or found.translation_of == other.doc_id)
    ]
    return render_template(
        "document.html",
        **page_context(request),
        document=found,
        blocks=layout_document(found, document_passages(found.doc_id)),
        translations=translations,
    )


@bp.get("/language/<code>")
def switch_language(code: str):
    """Remember the chosen interface language in a cookie and go back to the page."""
    if code not in LANGUAGES:
        abort(404)
    target = request.args.get("next", "/")
    parts = urlsplit(target)
    # Only a path of this site: no scheme, no host, no protocol-relative "//elsewhere".
    if parts.scheme or parts.netloc or not target.startswith("/") or target[1:2] in ("/", "\\"):
        target = "/"
    response = make_response(redirect(target, code=303))
    response.set_cookie(LANGUAGE_COOKIE, code, max_age=ONE_YEAR, samesite="Lax", path="/")
    return response
