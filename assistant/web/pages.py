"""The pages: the chat page, the document view, and the interface language switch."""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request

from assistant.messages import message_templates
from assistant.rules import DEFAULT_K, MAX_CONTEXT, MAX_K
from assistant.web.document_view import layout_document
from assistant.web.i18n import LANGUAGE_COOKIE, LANGUAGES, kind_label, page_context, starters, strings
from assistant.web.state import document_passages, searcher_of

bp = Blueprint("pages", __name__)

ONE_YEAR = 365 * 24 * 3600
# How many passages of each starter question's own answer are compared with an answer's
# passages to suggest the starter questions closest to it ("related reading").
STARTER_DEPTH = 10


def _starter_passages() -> list[dict[str, object]]:
    """Return the starter questions, each with the ids of its best passages and their translations.

    Computed once per index build (a few searches), then kept until another build is in use.
    """
    searcher = searcher_of()
    build = searcher.index.manifest.build
    kept = current_app.extensions.get("assistant.starter_passages")
    cached = kept[1] if kept and kept[0] == build else None
    if cached is None:
        cached = []
        for starter in starters():
            answer = searcher.ask(starter["text"], k=STARTER_DEPTH)
            ids: list[str] = []
            for hit in answer.hits:
                ids.append(hit.passage.passage_id)
                if hit.passage.translation_id:
                    ids.append(hit.passage.translation_id)
            cached.append({**starter, "passages": ids})
        current_app.extensions["assistant.starter_passages"] = (build, cached)
    return cached


@bp.get("/")
def chat():
    """Show the question box; the conversation lives in the browser tab only."""
    context = page_context(request)
    catalog = {code: strings(code) for code in LANGUAGES}
    limits = {"maxChars": current_app.config["MAX_QUESTION_CHARS"], "maxK": MAX_K, "defaultK": DEFAULT_K,
              "maxContext": MAX_CONTEXT}
    return render_template(
        "chat.html",
        **context,
        starters=starters(),
        limits=limits,
        client={
            "lang": context["lang"],
            "strings": catalog,
            "errors": {code: message_templates(code) for code in LANGUAGES},
            "limits": limits,
            "starters": _starter_passages(),
        },
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
    others = {other.doc_id for other in translations}
    # Each passage of this document whose translation sits in a translated document: the link
    # to the other version opens that passage rather than the other document's top.
    twins = {}
    for passage in document_passages(found.doc_id):
        twin = index.passage(passage.translation_id) if passage.translation_id else None
        if twin is not None and twin.doc_id in others:
            twins[passage.passage_id] = (twin.doc_id, twin.passage_id)
    context = page_context(request)
    return render_template(
        "document.html",
        **context,
        document=found,
        kind=kind_label(found.kind, str(context["lang"])) if found.kind else None,
        blocks=layout_document(found, document_passages(found.doc_id)),
        translations=translations,
        twins=twins,
    )


@bp.get("/language/<code>")
def switch_language(code: str):
    """Remember the chosen interface language in a cookie and go back to the page."""
    if code not in LANGUAGES:
        abort(404)
    response = make_response(redirect(_return_path(request.args.get("next", "/")), code=303))
    response.set_cookie(LANGUAGE_COOKIE, code, max_age=ONE_YEAR, samesite="Lax", path="/")
    return response


# Space, control characters and backslashes have no place in a path this site links to:
# in a Location header they split it (a 500) or are read as "//elsewhere" by some browsers.
_UNSAFE_IN_PATH = re.compile(r"[\x00-\x20\x7f-\x9f\\\u2028\u2029]")


def _return_path(target: str) -> str:
    """Return where to go back to: a path of this site as given, else the chat page."""
    # Only a path of this site: no scheme, no host, no protocol-relative "//elsewhere".
    if _UNSAFE_IN_PATH.search(target) or not target.startswith("/") or target[1:2] == "/":
        return "/"
    return target
