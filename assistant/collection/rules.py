"""What the collection accepts: file size, count, name, types, manifest fields; one place for each limit."""

from __future__ import annotations

from assistant.errors import UserError
from assistant.ingest.limits import FileLimits
from assistant.messages import message


def max_file_bytes() -> int:
    """Return the largest file a person may add: what ingest reads (ASSISTANT_MAX_FILE_MB, 50 MB by default)."""
    return FileLimits.from_environment().file_bytes


# Documents the collection may hold; more is a different tool (and a longer build).
MAX_DOCUMENTS = 1000
MAX_NAME_CHARS = 120
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


class CollectionRejected(UserError):
    """A file or a field the collection refuses: a catalogue code, its values, and a language."""

    def __init__(self, code: str, lang: str = "en", **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.lang = lang
        self.values = values

    def message(self, lang: str | None = None) -> str:
        """Return what to tell the user, in `lang` (default: the language it was raised in)."""
        return message(self.code, lang or self.lang, **self.values)

    def __str__(self) -> str:
        return self.message()
