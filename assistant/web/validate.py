"""Decode a JSON request body, refusing anything else with a clear error."""

from __future__ import annotations

import json

from assistant.web.errors import ApiError


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
