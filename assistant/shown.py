"""How a file name (or any text that came from the disk) is printed: control characters escaped.

A file name may hold a newline, a terminal escape sequence (ESC [ 2 J clears the screen),
a right-to-left override that shows `exe.txt` for `txt.exe`, or bytes that are not UTF-8.
Printed raw, they rewrite the terminal or forge a line of the report; shown(), used
wherever the command line prints a file name, writes them as visible escapes instead.
"""

from __future__ import annotations

import re
from pathlib import PurePath

# C0 and C1 controls, DEL, bidirectional overrides and isolates, line and paragraph
# separators, and the lone surrogates that stand for bytes which were not UTF-8.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # a byte of the file name that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(name: str | PurePath) -> str:
    """Return a file name (or a line about one) with every control character visibly escaped."""
    return _UNSAFE.sub(lambda found: _escape(found[0]), str(name))
