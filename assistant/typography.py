"""French typography: typographic apostrophes, no-break spaces before ; : ! ? and inside « »."""

from __future__ import annotations

import re

NBSP = "\u00a0"  # before a colon and inside « »
NNBSP = "\u202f"  # narrow no-break space before ; ! ?

_SPACE_BEFORE = re.compile(r"[ \u00a0\u202f]?([;!?])")
_SPACE_BEFORE_COLON = re.compile(r"(?<=\S)[ \u00a0\u202f]?:(?=\s|$)")


def french_typography(text: str) -> str:
    """Return French text with typographic apostrophes and no-break spaces before ; : ! ? and in « »."""
    text = text.replace("'", "’")
    text = _SPACE_BEFORE.sub(lambda match: NNBSP + match.group(1), text)
    text = _SPACE_BEFORE_COLON.sub(NBSP + ":", text)
    text = re.sub(r"«[ \u00a0\u202f]*", "«" + NBSP, text)
    return re.sub(r"[ \u00a0\u202f]*»", NBSP + "»", text)
