"""Why an index folder cannot be used: one family of errors, each saying what to run."""

from __future__ import annotations

from assistant.errors import UserError


class IndexProblem(UserError):
    """The index cannot be used; str() is one line saying what happened and what to run."""


class IndexMissing(IndexProblem):
    pass


class IndexMismatch(IndexProblem):
    pass


class IndexStale(IndexProblem):
    pass


class IndexCorrupt(IndexProblem):
    pass
