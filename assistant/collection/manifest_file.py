"""Edit corpus/manifest.toml in place: its comments and order kept, every write atomic and locked."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Table
from tomlkit.toml_document import TOMLDocument

from assistant.collection.files import write_atomically
from assistant.collection.rules import CollectionRejected
from assistant.index.save import folder_lock
from assistant.ingest.manifest import MANIFEST_NAME

LOCK_NAME = ".collection.lock"
# Field names as the page and the CLI say them → as manifest.toml spells them.
TOML_KEYS = {"lang": "language"}
# The order a new entry's keys are written in, as in the bundled manifest.
KEY_ORDER = ("id", "file", "title", "language", "organisation", "kind", "source", "year", "translation_of", "sectors")
HEADER = (
    "The documents of the collection. One [[documents]] table per file; a file with no entry\n"
    "is still indexed, its title taken from its content or its name."
)


def collection_lock(corpus_dir: Path) -> AbstractContextManager[None]:
    """Let one change at a time touch the corpus folder and its manifest, across processes."""
    return folder_lock(corpus_dir, LOCK_NAME)


def read_toml(corpus_dir: Path, lang: str = "en") -> TOMLDocument:
    """Return the manifest as an editable document (a new one, with a header, when there is none)."""
    path = corpus_dir / MANIFEST_NAME
    if not path.is_file():
        document = tomlkit.document()
        for line in HEADER.splitlines():
            document.add(tomlkit.comment(line))
        document.add(tomlkit.nl())
        return document
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except (TOMLKitError, UnicodeDecodeError) as error:
        raise CollectionRejected("collection_manifest_invalid", lang, problem=str(error).splitlines()[0]) from error


def write_toml(corpus_dir: Path, document: TOMLDocument) -> None:
    """Write the manifest back in one rename, so a reader never sees half of it."""
    write_atomically(corpus_dir / MANIFEST_NAME, tomlkit.dumps(document).encode("utf-8"))


def entries(document: TOMLDocument) -> AoT:
    """Return the [[documents]] array of tables, added when missing."""
    if "documents" not in document:
        document.append("documents", tomlkit.aot())
    return document["documents"]  # type: ignore[return-value]


def find_entry(document: TOMLDocument, *, doc_id: str | None = None, file: str | None = None) -> Table | None:
    """Return the entry with this id, or for this file, or None."""
    for table in entries(document):
        if (doc_id is not None and str(table.get("id")) == doc_id) or (
            file is not None and str(table.get("file")) == file
        ):
            return table
    return None


def add_entry(document: TOMLDocument, doc_id: str, file: str, fields: Mapping[str, object]) -> Table:
    """Append an entry for a file, its keys in the usual order, a blank line before it."""
    table = tomlkit.table()
    values = {"id": doc_id, "file": file, **{TOML_KEYS.get(key, key): value for key, value in fields.items()}}
    for key in KEY_ORDER:
        if values.get(key) not in (None, "", [], ()):
            table[key] = list(values[key]) if key == "sectors" else values[key]
    array = entries(document)
    if len(array):
        array[-1].add(tomlkit.nl())
    array.append(table)
    return table


def set_fields(table: Table, fields: Mapping[str, object]) -> None:
    """Set an entry's fields; a None or empty value removes the field."""
    for key, value in fields.items():
        name = TOML_KEYS.get(key, key)
        if value in (None, "", [], ()):
            if name in table:
                del table[name]
        else:
            table[name] = list(value) if name == "sectors" else value  # type: ignore[arg-type]


def remove_entry(document: TOMLDocument, doc_id: str) -> bool:
    """Remove an entry and every "translation_of" pointing at it; return whether anything changed."""
    array = entries(document)
    changed = False
    for number in reversed(range(len(array))):
        if str(array[number].get("id")) == doc_id:
            del array[number]
            changed = True
    for table in array:
        if str(table.get("translation_of", "")) == doc_id:
            del table["translation_of"]
            changed = True
    return changed
