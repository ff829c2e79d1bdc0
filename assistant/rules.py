"""The rules a question follows, for every face: its length, k, sectors, documents, context.

The CLI and the web both call parse_ask(); what they refuse, they refuse alike, with a
QuestionRejected whose message (assistant.messages) is in the question's language.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from assistant.errors import CodedRefusal
from assistant.lang import detect_language
from assistant.records import Filters
from assistant.sectors import SECTORS

MAX_QUESTION_CHARS = 2000
DEFAULT_K = 5
MAX_K = 50
# Earlier questions of a conversation sent with a question, to resolve a follow-up.
MAX_CONTEXT = 5
# Control characters other than tab and line breaks are not text a person typed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class QuestionRejected(CodedRefusal):
    """A question (or its k, filters) that the rules refuse: a code, values, and a language."""


@dataclass(frozen=True)
class AskRequest:
    """A valid question to ask, with how many passages and which filters."""

    question: str
    k: int
    filters: Filters
    lang: str
    context: tuple[str, ...] = ()  # the conversation's earlier questions, oldest first


def clean_question(value: object, fallback_lang: str, max_chars: int = MAX_QUESTION_CHARS) -> tuple[str, str]:
    """Return the question without control characters or outer space, and its language."""
    if not isinstance(value, str):
        raise QuestionRejected("question_type", fallback_lang)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: \ud800 escapes, or bytes that were not UTF-8
        raise QuestionRejected("question_invalid", fallback_lang) from None
    question = _CONTROL.sub(" ", value).strip()
    if not question:
        raise QuestionRejected("question_empty", fallback_lang)
    lang = detect_language(question[:max_chars], default=fallback_lang)
    if len(question) > max_chars:
        raise QuestionRejected("question_too_long", lang, length=len(question), limit=max_chars)
    return question, lang


def check_k(k: object, lang: str = "en") -> int:
    """Return k when it is a whole number from 1 to MAX_K; refuse anything else, never clamp."""
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise QuestionRejected("k_invalid", lang, limit=MAX_K)
    return k


def _texts(data: Mapping[str, object], field: str, lang: str) -> tuple[str, ...]:
    """Return an optional list of texts as a tuple without duplicates."""
    value = data.get(field)
    if value is None:
        return ()
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise QuestionRejected("list_invalid", lang, field=field)
    return tuple(dict.fromkeys(value))


def parse_ask(data: object, known_documents: Collection[str], fallback_lang: str,
              max_chars: int = MAX_QUESTION_CHARS) -> AskRequest:
    """Return the question, k and filters of a request; raise QuestionRejected if invalid.

    `data` is a mapping as the API receives it: "question", and optional "k", "sectors"
    and "documents" (lists of texts) and "context" (earlier questions, oldest first).
    """
    if not isinstance(data, Mapping):
        raise QuestionRejected("not_object", fallback_lang)
    if "question" not in data:
        raise QuestionRejected("question_missing", fallback_lang)
    question, lang = clean_question(data["question"], fallback_lang, max_chars)
    k = data.get("k")
    k = DEFAULT_K if k is None else check_k(k, lang)
    sectors = _texts(data, "sectors", lang)
    unknown_sectors = [sector for sector in sectors if sector not in SECTORS]
    if unknown_sectors:
        raise QuestionRejected("sector_unknown", lang, names=_quoted(unknown_sectors), known=", ".join(SECTORS))
    documents = _texts(data, "documents", lang)
    unknown_documents = [doc_id for doc_id in documents if doc_id not in known_documents]
    if unknown_documents:
        raise QuestionRejected("document_unknown", lang, count=len(unknown_documents))  # never echo a name
    context = _context(data, lang, max_chars)
    return AskRequest(question=question, k=k, filters=Filters(sectors=sectors, doc_ids=documents), lang=lang,
                      context=context)


def _context(data: Mapping[str, object], lang: str, max_chars: int) -> tuple[str, ...]:
    """Return the earlier questions, each checked like a question; at most MAX_CONTEXT."""
    value = data.get("context")
    if value is None:
        return ()
    if not isinstance(value, list | tuple) or len(value) > MAX_CONTEXT:
        raise QuestionRejected("context_invalid", lang, limit=MAX_CONTEXT)
    earlier = []
    for item in value:
        try:
            text, _ = clean_question(item, lang, max_chars)
        except QuestionRejected as error:
            raise QuestionRejected("context_invalid", lang, limit=MAX_CONTEXT) from error
        earlier.append(text)
    return tuple(earlier)


def _quoted(names: list[str], most: int = 5) -> str:
    """Return a short, readable list of names (long or many names cut)."""
    shown = [json.dumps(name[:60], ensure_ascii=False) for name in names[:most]]
    return ", ".join(shown) + (" …" if len(names) > most else "")
