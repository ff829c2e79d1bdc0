"""How much of a corpus file ingest will read: one place for the limits, and how to raise them.

A file over a limit is skipped with a message naming the file, the limit and the variable
that raises it; the rest of the corpus is indexed. The defaults fit every real guide we
know of (the largest bundled file is 0.03 MB) with a wide margin, and keep a hostile or
mistaken file from filling the memory or starting an hours-long embedding.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

from assistant.errors import UserError

MB = 1_000_000


class LimitSettingInvalid(UserError):
    """An ASSISTANT_MAX_* variable that is not a positive number."""


@dataclass(frozen=True)
class FileLimits:
    """The most ingest reads of one file, unpacks from it, and keeps of its text."""

    # The file as it is on disk (ASSISTANT_MAX_FILE_MB).
    file_bytes: int = 50 * MB
    # What a DOCX unpacks to (all its parts together, each checked while it is read) and
    # what one PDF stream decompresses to (ASSISTANT_MAX_UNPACKED_MB).
    unpacked_bytes: int = 100 * MB
    # The text extracted from one file, about 1,000 pages (ASSISTANT_MAX_TEXT_CHARS).
    text_chars: int = 2_000_000

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> FileLimits:
        """Return the default limits with those the ASSISTANT_MAX_* variables set."""
        environ = os.environ if environ is None else environ
        default = cls()
        return cls(
            file_bytes=_number(environ, "ASSISTANT_MAX_FILE_MB", default.file_bytes, MB),
            unpacked_bytes=_number(environ, "ASSISTANT_MAX_UNPACKED_MB", default.unpacked_bytes, MB),
            text_chars=_number(environ, "ASSISTANT_MAX_TEXT_CHARS", default.text_chars, 1),
        )


def _number(environ: Mapping[str, str], name: str, default: int, unit: int) -> int:
    """Return a positive number from the environment times its unit, or the default."""
    value = environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise LimitSettingInvalid(f"{name} must be a positive number") from None
    if not (number > 0 and math.isfinite(number)):
        raise LimitSettingInvalid(f"{name} must be a positive number")
    return int(number * unit)


def megabytes(size: int) -> str:
    """Return a byte count as megabytes for a message ("200.0 MB")."""
    return f"{size / MB:.1f} MB"
