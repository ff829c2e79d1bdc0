"""Passages and documents as the JSON lines of an index folder, and back."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from assistant.records import Block, Document, Passage


def _fields_of(record: object) -> dict:
    """Return a record's fields as a dict (shallow: asdict's deep copies cost 15 s at 100k)."""
    return {name: getattr(record, name) for name in record.__dataclass_fields__}  # type: ignore[attr-defined]


def passage_to_json(passage: Passage) -> dict:
    data = _fields_of(passage)
    data["section"] = list(passage.section)
    data["sectors"] = list(passage.sectors)
    return data


_PASSAGE_FIELDS = set(Passage.__dataclass_fields__)


def passage_from_json(data: dict) -> Passage:
    data = {key: value for key, value in data.items() if key in _PASSAGE_FIELDS}
    # Ids, languages, kinds and headings repeat across passages: one copy of each in memory.
    for key in ("doc_id", "lang", "kind"):
        if isinstance(data.get(key), str):
            data[key] = sys.intern(data[key])
    data["section"] = tuple(sys.intern(part) for part in data["section"])
    data["sectors"] = tuple(sys.intern(sector) for sector in data.get("sectors", ()))
    return Passage(**data)


def document_to_json(document: Document) -> dict:
    data = _fields_of(document)
    data["blocks"] = [_fields_of(block) for block in document.blocks]
    data["sectors"] = list(document.sectors)
    return data


def document_from_json(data: dict) -> Document:
    data = dict(data)
    data["blocks"] = tuple(Block(**block) for block in data["blocks"])
    data["sectors"] = tuple(data.get("sectors", ()))
    return Document(**data)


def read_lines(path: Path) -> Iterator[dict]:
    """Yield the rows of a JSON-lines file, one line in memory at a time."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def write_lines(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())

