"""A build's vectors and documents in temporary files rather than in memory.

At 100,000 passages the vectors take 200 MB and the documents' text and blocks 190 MB:
held in files, the build's memory stays that much lower (the pages written are the
system's cache, not the process's).
"""

from __future__ import annotations

import ctypes
import gc
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.index.document_table import DocumentTable, write_documents
from assistant.index.ondisk import VectorRows
from assistant.records import Document


class ScratchVectors(VectorRows):
    """A float32 matrix of `rows` × `dimension`, written row by row, read like VectorRows; close() deletes it."""

    def __init__(self, rows: int, dimension: int) -> None:
        handle, name = tempfile.mkstemp(prefix="assistant-vectors-", suffix=".npy")
        path = Path(name)
        try:
            with os.fdopen(handle, "wb") as out:
                np.lib.format.write_array_header_1_0(
                    out, {"descr": "<f4", "fortran_order": False, "shape": (rows, dimension)})
                out.truncate(out.tell() + rows * dimension * 4)  # zeros, until written
            super().__init__(path)
            self._writer = path.open("r+b", buffering=0)
        except BaseException:
            os.unlink(path)
            raise
        self._path = path
        if os.name == "posix":  # gone from the folder at once: nothing left behind by a killed build
            os.unlink(path)

    def put(self, positions: np.ndarray | list[int] | range, rows: np.ndarray) -> None:
        """Write `rows` (one per position) at the given row positions."""
        rows = np.ascontiguousarray(rows, dtype=np.float32).reshape(-1, self.shape[1])
        positions = np.asarray(positions, dtype=np.int64).reshape(-1)
        if positions.size != rows.shape[0]:
            raise ValueError(f"{positions.size} positions for {rows.shape[0]} rows")
        if positions.size and (positions.min() < 0 or positions.max() >= self.shape[0]):
            raise IndexError(f"row position out of range for {self.shape[0]} rows")
        if positions.size and np.array_equal(positions, np.arange(positions[0], positions[0] + positions.size)):
            self._write(int(positions[0]), rows.tobytes())  # consecutive rows: one write
            return
        for position, row in zip(positions.tolist(), rows, strict=True):
            self._write(position, row.tobytes())

    def _write(self, row: int, data: bytes) -> None:
        offset = self._offset + row * self._row_bytes
        if hasattr(os, "pwrite"):
            written = os.pwrite(self._writer.fileno(), data, offset)
        else:  # pragma: no cover - Windows
            self._writer.seek(offset)
            written = self._writer.write(data)
        if written != len(data):
            raise OSError(f"short write to {self._path}: {written} of {len(data)} bytes")

    def close(self) -> None:
        """Close and delete the file."""
        self._writer.close()
        super().close()
        if os.name != "posix":  # pragma: no cover - Windows deletes no open file
            os.unlink(self._path)


class ScratchDocuments(DocumentTable):
    """A build's documents set aside in a temporary table file: their text leaves memory until saved."""

    def __init__(self, documents: Sequence[Document]) -> None:
        handle, name = tempfile.mkstemp(prefix="assistant-documents-", suffix=".table")
        os.close(handle)
        self._path = Path(name)
        try:
            write_documents(self._path, documents)
            super().__init__(self._path)
        finally:
            if os.name == "posix":  # open already (or failed): gone from the folder at once
                os.unlink(self._path)

    def close(self) -> None:
        """Close and delete the file."""
        super().close()
        if os.name != "posix":  # pragma: no cover - Windows deletes no open file
            os.unlink(self._path)


def give_back_memory() -> None:
    """Return freed memory to the system now (glibc keeps it otherwise: 190 MB of documents at 100k)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the memory is reused, only later
        pass


_M_MMAP_THRESHOLD = -3  # mallopt's parameter (glibc malloc.h)
_BIG = 1 << 20


def return_big_blocks() -> None:
    """Have glibc map every block of 1 MB or more on its own, and unmap it when freed.

    By default glibc raises that threshold to 32 MB as big blocks are freed, after which the
    build's 32 MB blocks of vectors (and the keyword index's arrays) stay in the process's
    heap once freed: at 100k passages its peak grew ~60 MB from that alone.
    """
    try:
        ctypes.CDLL("libc.so.6").mallopt(_M_MMAP_THRESHOLD, _BIG)
    except (OSError, AttributeError):  # not glibc
        pass
