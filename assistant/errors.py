"""Errors meant for the person using the assistant: one family, each face shows them its way.

The CLI prints `error: <message>` and exits 2; the web answers a 4xx JSON body or page.
Anything else raised is a bug, not a user error.
"""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix; str() is one line saying what happened and what to do."""
