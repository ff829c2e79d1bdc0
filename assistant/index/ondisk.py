"""Parts of a loaded index that stay in their files and are read when asked for.

A search reads a few hundred vectors and a few passages' text (see assistant.index.table). Mapping the
files instead would not save memory on Linux: a fault maps a large piece of the file
around the page asked for, and after a few questions the whole file counts as resident
(200 MB of vectors at 100,000 passages; measured by scripts/bench). Reads at offsets
are thread-safe and keep working after a newer build has replaced the files.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import numpy as np


class File:
    """A file read at given offsets from several threads (pread, or seek and read under a lock)."""

    def __init__(self, path: Path) -> None:
        self._handle = path.open("rb", buffering=0)
        self.descriptor = self._handle.fileno()
        self._lock = threading.Lock()

    def read(self, offset: int, size: int) -> bytes:
        """Return `size` bytes from `offset` (fewer only at the end of the file)."""
        if hasattr(os, "pread"):
            return os.pread(self.descriptor, size, offset)
        with self._lock:  # Windows has no pread
            self._handle.seek(offset)
            return self._handle.read(size)

    def read_into(self, offset: int, buffer: memoryview) -> int:
        """Fill `buffer` with bytes from `offset` without an intermediate copy; return how many were read."""
        if hasattr(os, "preadv"):
            return os.preadv(self.descriptor, [buffer], offset)
        data = self.read(offset, len(buffer))  # pragma: no cover - not Linux
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        """Close the file; reading afterwards raises ValueError or OSError."""
        self._handle.close()


class VectorRows:
    """A read-only float32 matrix in a .npy file, read row by row: enough of ndarray for search."""

    ndim = 2

    def __init__(self, path: Path) -> None:
        with path.open("rb") as handle:
            version = np.lib.format.read_magic(handle)
            reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, fortran_order, dtype = reader(handle)
            self._offset = handle.tell()
        if len(shape) != 2 or fortran_order or dtype != np.float32:
            raise ValueError(f"{path} does not hold a float32 matrix")
        self.shape: tuple[int, int] = (int(shape[0]), int(shape[1]))
        self.dtype = np.dtype(np.float32)
        self._row_bytes = self.shape[1] * 4
        self._file = File(path)
        if os.fstat(self._file.descriptor).st_size < self._offset + self.shape[0] * self._row_bytes:
            self._file.close()
            raise ValueError(f"{path} is shorter than its header says")

    def __len__(self) -> int:
        return self.shape[0]

    def close(self) -> None:
        """Close the file the rows are read from."""
        self._file.close()

    def _rows(self, positions: np.ndarray) -> np.ndarray:
        """Read the rows at `positions` (negative ones count from the end), one read each, joined once.

        Joining the reads' bytes and viewing them once takes half the time of filling an
        array row by row (0.10 against 0.21 ms for 100 rows, most of a question's reads).
        """
        count, rows = self.shape[0], positions.tolist()  # plain ints: cheaper than numpy's for a few rows
        if not rows:
            return np.empty((0, self.shape[1]), dtype=np.float32)
        low, high = min(rows), max(rows)
        if low < -count or high >= count:
            raise IndexError(f"row {low if low < -count else high} out of range for {count} rows")
        if low < 0:
            rows = [row % count for row in rows]
        read, offset, size = self._file.read, self._offset, self._row_bytes
        data = b"".join([read(offset + row * size, size) for row in rows])
        if len(data) != len(rows) * size:
            raise ValueError(f"rows past the end of {count} rows: the file is shorter than it was")
        return np.frombuffer(data, dtype=np.float32).reshape(positions.size, self.shape[1])

    def __getitem__(self, key: Any) -> np.ndarray:
        if isinstance(key, (int, np.integer)):
            return self._rows(np.array([int(key)]))[0]
        if isinstance(key, slice):
            first, stop, step = key.indices(self.shape[0])
            if step == 1:  # a block of rows: one read
                count = max(0, stop - first)
                rows = np.empty((count, self.shape[1]), dtype=np.float32)  # read straight into: one copy, not two
                start = self._offset + first * self._row_bytes
                if self._file.read_into(start, memoryview(rows.reshape(-1).view(np.uint8))) < rows.nbytes:
                    raise ValueError(f"{count} rows from {first} run past the end of the file")
                return rows
            return self._rows(np.arange(first, stop, step))
        positions = np.asarray(key)
        if positions.dtype == bool:
            positions = np.flatnonzero(positions)
        return self._rows(positions.astype(np.int64).reshape(-1)).reshape(*positions.shape, self.shape[1])

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        data = self._file.read(self._offset, self.shape[0] * self._row_bytes)
        whole = np.frombuffer(data, dtype=np.float32).reshape(self.shape)
        return whole if dtype is None else whole.astype(dtype)
