"""The documents of an index as a table file, and back as a mapping of Document records.

What cites or lists a document (title, source, organisation, year, sectors, language,
kind) is held in memory from the start; a document's text and blocks are read and parsed
only when the document itself is asked for (shown or exported), the last few kept.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import fields
from functools import lru_cache
from pathlib import Path

from assistant.index.table import Table, TableWriter
from assistant.records import Block, Document, DocumentInfo

CACHED = 64  # documents kept parsed
_INFO_FIELDS = tuple(field.name for field in fields(DocumentInfo))
_BLOCK_FIELDS = tuple(field.name for field in fields(Block))


def write_documents(path: Path, documents: Sequence[Document] | DocumentTable) -> None:
    """Write documents as a table file: their details in the header, text and blocks as columns.

    A DocumentTable (a build's documents, set aside in a scratch file) is copied as it is.
    """
    if isinstance(documents, DocumentTable):
        documents.copy_to(path)
        return
    writer = TableWriter(path)
    try:
        writer.text("text", (document.text for document in documents))
        writer.text("blocks", (_blocks_json(document.blocks) for document in documents))
        details = [{name: getattr(document, name) for name in _INFO_FIELDS} for document in documents]
        writer.close({"documents": details})
    except BaseException:
        writer.abandon()
        raise


def _blocks_json(blocks: Sequence[Block]) -> str:
    return json.dumps([[getattr(block, name) for name in _BLOCK_FIELDS] for block in blocks], ensure_ascii=False)


def info_of(document: Document) -> DocumentInfo:
    """Return what is said of a document without its text."""
    return DocumentInfo(**{name: getattr(document, name) for name in _INFO_FIELDS})


class DocumentTable(Mapping[str, Document]):
    """The documents of an index by id: details in memory, text read from the file when asked for."""

    def __init__(self, path: Path) -> None:
        self._table = table = Table(path)
        try:
            self._infos: dict[str, DocumentInfo] = {}
            for details in table.meta["documents"]:
                details = {**details, "sectors": tuple(details.get("sectors") or ())}
                self._infos[details["doc_id"]] = DocumentInfo(**details)
            self._row = {doc_id: row for row, doc_id in enumerate(self._infos)}
            self._text = table.text("text")
            self._blocks = table.text("blocks")
            if not len(self._text) == len(self._blocks) == len(table.meta["documents"]) == len(self._infos):
                raise ValueError(f"{path}: columns of different lengths")
        except BaseException:
            table.close()
            raise
        self._read = lru_cache(maxsize=CACHED)(self._load)

    def info(self, doc_id: str) -> DocumentInfo | None:
        """Return a document's details (no text), or None when the index has no such document."""
        return self._infos.get(doc_id)

    def infos(self) -> list[DocumentInfo]:
        """Return every document's details, in index order."""
        return list(self._infos.values())

    def _load(self, doc_id: str) -> Document:
        row = self._row[doc_id]
        blocks = tuple(Block(*values) for values in json.loads(self._blocks[row]))
        info = self._infos[doc_id]
        return Document(text=self._text[row], blocks=blocks, **{name: getattr(info, name) for name in _INFO_FIELDS})

    def __getitem__(self, doc_id: str) -> Document:
        if doc_id not in self._row:
            raise KeyError(doc_id)
        return self._read(doc_id)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._row

    def __iter__(self) -> Iterator[str]:
        return iter(self._row)

    def __len__(self) -> int:
        return len(self._row)

    def copy_to(self, path: Path) -> None:
        """Write a copy of the table file (a megabyte at a time) and sync it to disk."""
        with path.open("wb") as out:
            offset = 0
            while data := self._table.file.read(offset, 1 << 20):
                out.write(data)
                offset += len(data)
            out.flush()
            os.fsync(out.fileno())

    def close(self) -> None:
        """Close the documents' file and forget the ones read."""
        self._read.cache_clear()
        self._table.close()

    def __enter__(self) -> DocumentTable:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
