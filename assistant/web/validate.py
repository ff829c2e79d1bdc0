"""Check a POST /api/ask body and turn it into a question, k and filters, or an ApiError."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from assistant.config import MAX_QUESTION_CHARS  # noqa: F401 - re-exported for the web
from assistant.lang import detect_language
from assistant.search import Filters
from assistant.sectors import SECTORS
from assistant.web.errors import ApiError

DEFAULT_K = 5
MAX_K = 50
# Control characters other than tab and line breaks are not text a person typed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class AskRequest:
    """A valid question to ask, with how many passages and which filters."""

    question: str
    k: int
    filters: Filters
    lang: str


def parse_json_body(raw: bytes, mimetype: str, lang: str) -> object:
    """Return the decoded JSON of a request body, refusing anything else with a clear error."""
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiError(415, "not_json", lang)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "not_utf8", lang) from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # bad syntax, nesting too deep, numbers too long
        raise ApiError(400, "malformed_json", lang) from None


def _question(data: dict, fallback_lang: str, max_chars: int) -> tuple[str, str]:
    """Return the cleaned question and its language."""
    if "question" not in data:
        raise ApiError(400, "question_missing", fallback_lang)
    question = data["question"]
    if not isinstance(question, str):
        raise ApiError(400, "question_type", fallback_lang)
    try:
        question.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates sent as \ud800 escapes
        raise ApiError(400, "question_invalid", fallback_lang) from None
    question = _CONTROL.sub(" ", question).strip()
    if not question:
        raise ApiError(400, "question_empty", fallback_lang)
    lang = detect_language(question[:max_chars], default=fallback_lang)
    if len(question) > max_chars:
        raise ApiError(400, "question_too_long", lang, length=len(question), limit=max_chars)
    return question, lang


def _k(data: dict, lang: str) -> int:
    """Return k: absent means the default; anything but a whole number from 1 to MAX_K is refused."""
    k = data.get("k", DEFAULT_K)
    if k is None:
        return DEFAULT_K
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise ApiError(400, "k_invalid", lang, limit=MAX_K)
    return k


def _texts(data: dict, field: str, lang: str) -> tuple[str, ...]:
    """Return an optional list of texts as a tuple without duplicates."""
    value = data.get(field)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ApiError(400, "list_invalid", lang, field=field)
    return tuple(dict.fromkeys(value))


def parse_ask(data: object, known_documents: set[str] | dict, fallback_lang: str, max_chars: int) -> AskRequest:
    """Return the question, k and filters of a decoded /api/ask body; raise ApiError if invalid."""
    if not isinstance(data, dict):
        raise ApiError(400, "not_object", fallback_lang)
    question, lang = _question(data, fallback_lang, max_chars)
    k = _k(data, lang)
    sectors = _texts(data, "sectors", lang)
    unknown_sectors = [sector for sector in sectors if sector not in SECTORS]
    if unknown_sectors:
        raise ApiError(400, "sector_unknown", lang, names=_quoted(unknown_sectors), known=", ".join(SECTORS))
    documents = _texts(data, "documents", lang)
    unknown_documents = [doc_id for doc_id in documents if doc_id not in known_documents]
    if unknown_documents:
        raise ApiError(400, "document_unknown", lang, names=_quoted(unknown_documents))
    return AskRequest(question=question, k=k, filters=Filters(sectors=sectors, doc_ids=documents), lang=lang)


def _quoted(names: list[str], most: int = 5) -> str:
    """Return a short, readable list of names (long or many names cut)."""
    shown = [json.dumps(name[:60], ensure_ascii=False) for name in names[:most]]
    return ", ".join(shown) + (" …" if len(names) > most else "")
