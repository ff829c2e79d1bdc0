"""A table file: named numpy columns and UTF-8 text columns, with a JSON header at its end.

Loading a table turns no row into a Python object: small columns (codes, offsets,
numbers) are read into arrays, text is kept in the file and decoded when a row is
asked for. Layout: a magic line, the columns one after the other (each aligned to 8
bytes), the JSON header naming each column's dtype, shape and place, then 8 bytes
giving where the header starts. Written front to back, so text can be streamed out
as it is produced.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

from assistant.index.ondisk import File

MAGIC = b"ASSISTANT-TABLE 1\n"
_TRAILER = struct.Struct("<Q")


class TableWriter:
    """Write a table file column by column; `close()` writes the header and syncs the file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: BinaryIO = path.open("wb")
        self._handle.write(MAGIC)
        self._columns: dict[str, dict] = {}

    def _align(self) -> int:
        offset = self._handle.tell()
        padding = -offset % 8
        if padding:
            self._handle.write(b"\0" * padding)
        return offset + padding

    def array(self, name: str, values: np.ndarray) -> None:
        """Write a numeric column (any shape, little-endian)."""
        values = np.ascontiguousarray(values)
        offset = self._align()
        self._handle.write(values.tobytes())
        self._columns[name] = {"dtype": values.dtype.str, "shape": list(values.shape), "offset": offset}

    def text(self, name: str, texts: Iterable[str]) -> None:
        """Write a text column: the UTF-8 bytes of every row, then the rows' byte offsets."""
        start = self._align()
        ends: list[int] = []
        size = 0
        for text in texts:
            data = text.encode("utf-8")
            self._handle.write(data)
            size += len(data)
            ends.append(size)
        self._columns[name] = {"text": True, "offset": start, "size": size}
        self.array(f"{name}.ends", np.array(ends, dtype=np.int64))

    def close(self, meta: dict | None = None) -> None:
        """Write the header (with `meta`, any JSON) and flush the file to disk."""
        offset = self._handle.tell()
        header = json.dumps({"columns": self._columns, "meta": meta or {}}, ensure_ascii=False).encode("utf-8")
        self._handle.write(header)
        self._handle.write(_TRAILER.pack(offset))
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()

    def abandon(self) -> None:
        """Close the file without finishing it (the caller deletes it)."""
        self._handle.close()


class TextColumn(Sequence[str]):
    """A text column read from its file row by row (or a block of rows at a time)."""

    def __init__(self, file: File, offset: int, ends: np.ndarray) -> None:
        self._file = file
        self._offset = offset
        self._ends = self.ends = ends  # each row's end, in bytes from the column's start
        self._starts = np.concatenate(([0], ends[:-1])) if len(ends) else ends

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, row: int) -> str:  # type: ignore[override]
        start, end = int(self._starts[row]), int(self._ends[row])
        if start == end:
            return ""
        return self._file.read(self._offset + start, end - start).decode("utf-8")

    def rows(self, first: int, stop: int) -> list[str]:
        """Return rows first..stop-1 with one read."""
        if stop <= first:
            return []
        base = int(self._starts[first])
        if int(self._ends[stop - 1]) == base:  # all empty
            return [""] * (stop - first)
        data = self._file.read(self._offset + base, int(self._ends[stop - 1]) - base)
        starts = (self._starts[first:stop] - base).tolist()
        ends = (self._ends[first:stop] - base).tolist()
        text = data.decode("utf-8")
        if len(text) != len(data):  # not ASCII: byte offsets are not character offsets
            return [data[start:end].decode("utf-8") for start, end in zip(starts, ends, strict=True)]
        return list(map(text.__getitem__, map(slice, starts, ends)))

    def all(self) -> list[str]:
        """Return every row (one read of the whole column)."""
        return self.rows(0, len(self))


class Table:
    """A table file opened for reading: its numeric columns in memory, its text in the file."""

    def __init__(self, path: Path) -> None:
        self._file = self.file = File(path)
        try:
            size = os.fstat(self._file.descriptor).st_size
            if size < len(MAGIC) + _TRAILER.size or self._file.read(0, len(MAGIC)) != MAGIC:
                raise ValueError(f"{path} is not a table file")
            (header_at,) = _TRAILER.unpack(self._file.read(size - _TRAILER.size, _TRAILER.size))
            if not len(MAGIC) <= header_at <= size - _TRAILER.size:
                raise ValueError(f"{path} has a damaged header")
            header = json.loads(self._file.read(header_at, size - _TRAILER.size - header_at))
            self.meta: dict = header["meta"]
            self._columns: dict[str, dict] = header["columns"]
            for name, column in self._columns.items():
                end = column["offset"] + (column["size"] if column.get("text") else self._nbytes(column))
                if end > header_at:
                    raise ValueError(f"{path}: column {name} runs past the end of the data")
        except BaseException:
            self._file.close()
            raise

    @staticmethod
    def _nbytes(column: dict) -> int:
        return int(np.prod(column["shape"], dtype=np.int64)) * np.dtype(column["dtype"]).itemsize

    def array(self, name: str) -> np.ndarray:
        """Return a numeric column, read into memory."""
        column = self._columns[name]
        data = self._file.read(column["offset"], self._nbytes(column))
        return np.frombuffer(data, dtype=np.dtype(column["dtype"])).reshape(column["shape"])

    def text(self, name: str) -> TextColumn:
        """Return a text column, read from the file when its rows are asked for."""
        return TextColumn(self._file, self._columns[name]["offset"], self.array(f"{name}.ends"))

    def has(self, name: str) -> bool:
        return name in self._columns

    def close(self) -> None:
        self._file.close()


def codes(values: Sequence, names: list | None = None) -> tuple[np.ndarray, list]:
    """Return each value's number in a list of the distinct values (first seen first), and that list."""
    names = list(names or [])
    number = {value: position for position, value in enumerate(names)}
    out = np.empty(len(values), dtype=np.int32)
    for row, value in enumerate(values):
        code = number.get(value)
        if code is None:
            code = number[value] = len(names)
            names.append(value)
        out[row] = code
    return out, names
