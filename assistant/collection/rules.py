"""What the collection accepts: file size, count, name, types, manifest fields; one place for each limit."""

from __future__ import annotations

from assistant.errors import CodedRefusal
from assistant.ingest.limits import MB, FileLimits


def max_file_bytes() -> int:
    """Return the largest file a person may add: what ingest reads (ASSISTANT_MAX_FILE_MB, 50 MB by default)."""
    return FileLimits.from_environment().file_bytes


def in_megabytes(size: int) -> str:
    """Return a byte count as the number of MB a message shows ("50", or "0.25" below one MB)."""
    return f"{size / MB:.0f}" if size >= MB else f"{size / MB:.2f}"


# Documents the collection may hold; more is a different tool (and a longer build).
MAX_DOCUMENTS = 1000
MAX_NAME_CHARS = 120
# Files a person may choose at once on the page (each is sent on its own, one file a request).
MAX_UPLOAD_FILES = 20
# Types a person may add, by suffix, and the kind of content each must hold.
ALLOWED_SUFFIXES = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".md": "text",
    ".markdown": "text",
    ".txt": "text",
}
# Manifest fields a citation needs, and the longest text each may hold.
TEXT_FIELDS = {"title": 300, "organisation": 300, "kind": 100, "source": 500}
FIELDS = ("title", "lang", "organisation", "kind", "source", "year", "sectors", "translation_of")
LANGS = ("fr", "en")
FIRST_YEAR = 1900


class CollectionRejected(CodedRefusal):
    """A file or a field the collection refuses: a catalogue code, its values, and a language."""
