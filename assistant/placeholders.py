"""Fill the {name} placeholders of a catalogue's text: nothing else in it is ever read as a format.

str.format reads every brace as a field, so a message that shows a JSON object such as
{"question": "…"} raised instead of being said. Here only a {name} made of letters, digits
and underscores is a placeholder, and only when a value for it is given; every other brace,
and every value put in, stays as written. The page's script fills them the same way.
"""

from __future__ import annotations

import re

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def placeholders(text: str) -> frozenset[str]:
    """Return the names of the {name} placeholders of a text."""
    return frozenset(PLACEHOLDER.findall(text))


def fill(text: str, **values: object) -> str:
    """Return text with each {name} that has a value replaced by it; never raises."""
    return PLACEHOLDER.sub(lambda found: str(values[found[1]]) if found[1] in values else found[0], text)
