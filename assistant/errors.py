"""Errors meant for the person using the assistant: one family, each face shows them its way.

The CLI prints `error: <message>` and exits 2; the web answers a 4xx JSON body or page.
Anything else raised is a bug, not a user error.
"""

from __future__ import annotations

from assistant.messages import message


class UserError(Exception):
    """Something the user can fix; str() is one line saying what happened and what to do."""


class CodedRefusal(UserError):
    """A refusal said from the message catalogue: its code, the values it names, the language to say it in."""

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
