"""The passages of an index as a table file, and back as a sequence of Passage records.

Opening the table reads ids and small per-passage codes; a passage's text is read from
the file when the passage is asked for, so loading 100,000 passages creates no record.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import overload

import numpy as np

from assistant.index.table import Table, TableWriter, codes
from assistant.records import Passage

BLOCK = 2048  # passages read at a time when iterating
_CODED = ("doc_id", "lang", "kind", "role", "section", "sectors")  # few distinct values each


def write_passages(path: Path, passages: Sequence[Passage], extras: dict[str, Sequence[str]] | None = None) -> None:
    """Write passages (and extra text columns, one value per passage) as a table file."""
    writer = TableWriter(path)
    try:
        writer.text("passage_id", (passage.passage_id for passage in passages))
        writer.text("text", (passage.text for passage in passages))
        writer.text("lead", (passage.lead for passage in passages))
        if any(passage.translation_id == "" for passage in passages):
            raise ValueError("a passage's translation_id is empty: None means no translation")
        writer.text("translation_id", (passage.translation_id or "" for passage in passages))
        names: dict[str, list] = {}
        for field in _CODED:
            column, distinct = codes([getattr(passage, field) for passage in passages])
            writer.array(field, column)
            names[field] = [list(value) if isinstance(value, tuple) else value for value in distinct]
        for field in ("start", "end", "order"):
            writer.array(field, np.fromiter((getattr(passage, field) for passage in passages), np.int64,
                                            len(passages)))
        for name, values in (extras or {}).items():
            if len(values) != len(passages):
                raise ValueError(f"{len(values)} values of {name!r} for {len(passages)} passages")
            writer.text(f"extra.{name}", values)
        writer.close({"count": len(passages), "names": names, "extras": sorted(extras or {})})
    except BaseException:
        writer.abandon()
        raise


def _intern(value: object) -> object:
    if isinstance(value, str):
        return sys.intern(value)
    if isinstance(value, list):  # a section path or sectors: tuples in records
        return tuple(sys.intern(part) for part in value)
    return value


# Passages read one at a time and kept: a question looks at its candidates ~9 times over
# (hits, strength, answer), 14 µs each from the table. Passages are frozen: sharing is safe.
RECENT = 2048


class PassageTable(Sequence[Passage]):
    """The passages of an index, in index order, read from their table file when asked for."""

    def __init__(self, path: Path) -> None:
        self._table = table = Table(path)
        try:
            count = int(table.meta["count"])
            self.ids: list[str] = table.text("passage_id").all()  # for look-ups by id
            self._text = table.text("text")
            self._lead = table.text("lead")
            self._translation = table.text("translation_id")  # mostly empty: read per passage
            self._names = {field: [_intern(value) for value in table.meta["names"][field]] for field in _CODED}
            self._codes = {field: table.array(field) for field in _CODED}
            self._columns: dict[str, list] = {}
            self._numbers = {field: table.array(field).tolist() for field in ("start", "end", "order")}
            self.extras: tuple[str, ...] = tuple(table.meta.get("extras", ()))
            self._recent: dict[int, Passage] = {}  # passages read one by one lately (see RECENT)
            lengths = {len(self.ids), len(self._text), len(self._lead), len(self._translation),
                       *(len(column) for column in (*self._codes.values(), *self._numbers.values()))}
            if lengths != {count}:
                raise ValueError(f"{path}: columns of different lengths {sorted(lengths)} for {count} passages")
        except BaseException:
            table.close()
            raise

    def __len__(self) -> int:
        return len(self.ids)

    def _column(self, field: str) -> list:
        """Return a coded field's value for every passage (made on first use, then kept: 0.8 MB each)."""
        column = self._columns.get(field)
        if column is None:
            names = self._names[field]
            column = self._columns[field] = [names[code] for code in self._codes[field].tolist()]
        return column

    def _decoded(self, field: str, first: int, stop: int) -> list:
        """Return a coded field's values for rows first..stop-1 (the whole column is not made for a few rows)."""
        column = self._columns.get(field)
        if column is not None:
            return column[first:stop]
        names, numbers = self._names[field], self._codes[field]
        if stop == first + 1:  # one passage: what a question reads
            return [names[numbers.item(first)]]
        return [names[code] for code in numbers[first:stop].tolist()]

    def coded(self, field: str) -> tuple[np.ndarray, list]:
        """Return a coded field (doc_id, lang, kind, role, section, sectors) as each passage's number
        in a list of its distinct values, and that list: what a mask is made from without a loop."""
        return self._codes[field], list(self._names[field])

    def translated(self) -> list[tuple[int, str]]:
        """Return (position, translation id) of the passages that have a translation, reading only those."""
        ends = self._translation.ends
        rows = np.flatnonzero(np.diff(ends, prepend=0)).tolist()
        return [(row, self._translation[row]) for row in rows]

    def values(self, field: str) -> list:
        """Return one field of every passage without making the records: passage_id, doc_id, lang,
        kind, role, section, sectors, translation_id, start, end or order."""
        if field == "passage_id":
            return list(self.ids)
        if field == "translation_id":
            return [value or None for value in self._translation.all()]
        if field in self._numbers:
            return list(self._numbers[field])
        return list(self._column(field))

    def extra(self, name: str) -> list[str]:
        """Return an extra column saved with the passages (e.g. the build's embedding keys)."""
        return self._table.text(f"extra.{name}").all()

    def _rows(self, first: int, stop: int) -> list[Passage]:
        coded = [self._decoded(field, first, stop) for field in _CODED]
        numbers = [self._numbers[field][first:stop] for field in ("start", "end", "order")]
        texts = (self._text.rows(first, stop), self._lead.rows(first, stop), self._translation.rows(first, stop))
        return [
            Passage(passage_id=passage_id, doc_id=doc_id, lang=lang, kind=kind, role=role, section=section,
                    sectors=sectors, start=start, end=end, order=order, text=text, lead=lead,
                    translation_id=translation or None)
            for passage_id, doc_id, lang, kind, role, section, sectors, start, end, order, text, lead, translation
            in zip(self.ids[first:stop], *coded, *numbers, *texts, strict=True)
        ]

    @overload
    def __getitem__(self, key: int) -> Passage: ...

    @overload
    def __getitem__(self, key: slice) -> list[Passage]: ...

    def __getitem__(self, key: int | slice) -> Passage | list[Passage]:
        if isinstance(key, slice):
            first, stop, step = key.indices(len(self))
            if step != 1:
                return [self[row] for row in range(first, stop, step)]
            return self._rows(first, stop)
        row = int(key)
        if not -len(self) <= row < len(self):
            raise IndexError(f"passage {row} out of range for {len(self)} passages")
        row %= len(self)
        passage = self._recent.get(row)
        if passage is None:
            if len(self._recent) >= RECENT:
                self._recent.clear()
            passage = self._recent[row] = self._row(row)
        return passage

    def _row(self, row: int) -> Passage:
        """Return one passage: what _rows(row, row + 1) gives, without its lists and slices (half the time)."""
        columns, names, codes = self._columns, self._names, self._codes
        coded = {field: columns[field][row] if field in columns else names[field][codes[field].item(row)]
                 for field in _CODED}
        numbers = self._numbers
        return Passage(passage_id=self.ids[row], **coded, start=numbers["start"][row], end=numbers["end"][row],
                       order=numbers["order"][row], text=self._text[row], lead=self._lead[row],
                       translation_id=self._translation[row] or None)

    def __iter__(self) -> Iterator[Passage]:
        for first in range(0, len(self), BLOCK):
            yield from self._rows(first, min(first + BLOCK, len(self)))

    def close(self) -> None:
        """Close the table file; reading texts afterwards raises."""
        self._table.close()

    def __enter__(self) -> PassageTable:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def field_values(passages: Sequence[Passage], field: str) -> list:
    """Return one field of every passage: from a table's columns when it is one, else from the records."""
    if isinstance(passages, PassageTable):
        return passages.values(field)
    return [getattr(passage, field) for passage in passages]


def field_codes(passages: Sequence[Passage], field: str) -> tuple[np.ndarray, list]:
    """Return a coded field of every passage as (numbers, distinct values): see PassageTable.coded."""
    if isinstance(passages, PassageTable):
        return passages.coded(field)
    return codes([getattr(passage, field) for passage in passages])


def translations(passages: Sequence[Passage]) -> list[tuple[int, str]]:
    """Return (position, translation id) of the passages that have a translation, in order."""
    if isinstance(passages, PassageTable):
        return passages.translated()
    return [(number, passage.translation_id) for number, passage in enumerate(passages) if passage.translation_id]
