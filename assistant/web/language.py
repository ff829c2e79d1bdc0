"""Which language a request wants: the remembered choice, else the browser's, else French."""

from __future__ import annotations

from functools import lru_cache

from flask import Request
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

LANGUAGES = ("fr", "en")
# Workers in Québec: French unless the browser or the user asks for English.
DEFAULT_LANGUAGE = "fr"
LANGUAGE_COOKIE = "lang"


def request_language(request: Request) -> str:
    """Return the interface language: the remembered choice, else the browser's, else French."""
    return chosen_language(request.cookies.get(LANGUAGE_COOKIE, ""), request.headers.get("Accept-Language", ""))


def chosen_language(remembered: str, accept_language: str) -> str:
    """Return the language cookie's value if it is one of ours, else the browser's choice."""
    if remembered in LANGUAGES:
        return remembered
    return browser_language(accept_language)


@lru_cache(maxsize=256)
def browser_language(header: str) -> str:
    """Return the language an Accept-Language header prefers among ours, else French (remembered by header)."""
    accepted = parse_accept_header(header, LanguageAccept)
    return accepted.best_match(LANGUAGES, default=DEFAULT_LANGUAGE) or DEFAULT_LANGUAGE
