"""Change the collection: add, replace or remove a document's file, correct its manifest fields.

Every change takes the collection lock, writes the file and then manifest.toml atomically,
and leaves the index alone: a build (assistant.collection.jobs, or `assistant ingest`)
brings the index up to date.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from assistant.collection.fields import check_fields
from assistant.collection.files import check_content, safe_file_name, write_atomically
from assistant.collection.listing import DocumentState, list_documents
from assistant.collection.manifest_file import (
    add_entry,
    collection_lock,
    find_entry,
    read_toml,
    remove_entry,
    set_fields,
    write_toml,
)
from assistant.collection.rules import MAX_DOCUMENTS, CollectionRejected
from assistant.ingest.loader import slugify


def _find(states: list[DocumentState], doc_id: str, lang: str) -> DocumentState:
    for state in states:
        if state.doc_id == doc_id:
            return state
    raise CollectionRejected("collection_document_unknown", lang)


def _new_id(stem: str, taken: set[str]) -> str:
    base = slugify(stem)
    doc_id, number = base, 2
    while doc_id in taken:
        doc_id, number = f"{base}-{number}", number + 1
    return doc_id


def add_document(corpus_dir: Path, index_dir: Path, name: str, data: bytes,
                 fields: Mapping[str, object] | None = None, lang: str = "en") -> DocumentState:
    """Store a new file in the corpus folder with its manifest entry; return its state ("new").

    The name must be a plain file name of an allowed type, the bytes what that type holds,
    within max_file_bytes(); the collection must hold fewer than MAX_DOCUMENTS. Nothing is
    written when any check fails.
    """
    file = safe_file_name(name, lang)
    check_content(file, data, lang)
    with collection_lock(corpus_dir):
        states = list_documents(corpus_dir, index_dir)
        if len(states) >= MAX_DOCUMENTS:
            raise CollectionRejected("too_many_documents", lang, limit=MAX_DOCUMENTS)
        path = corpus_dir / file
        if path.exists() or any(state.file.casefold() == file.casefold() for state in states):
            raise CollectionRejected("file_exists", lang, name=file)
        ids = {state.doc_id for state in states}
        cleaned = check_fields(fields or {}, ids, None, lang)
        document = read_toml(corpus_dir, lang)
        doc_id = _new_id(Path(file).stem, ids)
        add_entry(document, doc_id, file, cleaned)
        write_atomically(path, data)
        try:
            write_toml(corpus_dir, document)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return _find(list_documents(corpus_dir, index_dir), doc_id, lang)


def replace_document(corpus_dir: Path, index_dir: Path, doc_id: str, name: str, data: bytes,
                     lang: str = "en") -> DocumentState:
    """Put a new version of a document's file in place of the old; its id and fields stay.

    The new version must be of the same type as the old (its file name, hence its
    manifest entry and citations, stay the same).
    """
    safe_file_name(name, lang)
    with collection_lock(corpus_dir):
        current = _find(list_documents(corpus_dir, index_dir), doc_id, lang)
        if Path(name).suffix.lower() != Path(current.file).suffix.lower():
            raise CollectionRejected("file_content_mismatch", lang, name=name,
                                     kind=Path(current.file).suffix.lstrip(".").upper())
        check_content(current.file, data, lang)
        document = read_toml(corpus_dir, lang)
        if find_entry(document, file=current.file) is None:  # fix its id, as the listing showed it
            add_entry(document, doc_id, current.file, {})
            write_toml(corpus_dir, document)
        write_atomically(corpus_dir / current.file, data)
        return _find(list_documents(corpus_dir, index_dir), doc_id, lang)


def remove_document(corpus_dir: Path, index_dir: Path, doc_id: str, lang: str = "en") -> DocumentState:
    """Delete a document's file and its manifest entry (and translations' links to it); return what it was."""
    with collection_lock(corpus_dir):
        current = _find(list_documents(corpus_dir, index_dir), doc_id, lang)
        document = read_toml(corpus_dir, lang)
        if remove_entry(document, doc_id):
            write_toml(corpus_dir, document)
        (corpus_dir / current.file).unlink(missing_ok=True)
        return current


def update_fields(corpus_dir: Path, index_dir: Path, doc_id: str, fields: Mapping[str, object],
                  lang: str = "en") -> DocumentState:
    """Set or correct a document's manifest fields (None or "" removes one); return its new state."""
    with collection_lock(corpus_dir):
        states = list_documents(corpus_dir, index_dir)
        current = _find(states, doc_id, lang)
        cleaned = check_fields(fields, {state.doc_id for state in states}, doc_id, lang)
        document = read_toml(corpus_dir, lang)
        table = find_entry(document, doc_id=doc_id) or find_entry(document, file=current.file)
        if table is None:
            add_entry(document, doc_id, current.file, cleaned)
        else:
            set_fields(table, cleaned)
        write_toml(corpus_dir, document)
        return _find(list_documents(corpus_dir, index_dir), doc_id, lang)
