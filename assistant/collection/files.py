"""Files entering the collection: a safe name, a size within the limit, content that matches the name."""

from __future__ import annotations

import io
import os
import re
import unicodedata
import uuid
import zipfile
from pathlib import Path

from assistant.collection.rules import ALLOWED_SUFFIXES, MAX_NAME_CHARS, CollectionRejected, max_file_bytes
from assistant.ingest.limits import MB
from assistant.ingest.manifest import MANIFEST_NAME

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_RESERVED = {MANIFEST_NAME, "readme.md"}
_SNIFF_BYTES = 4096
_HTML_MARKS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<p", b"<h1", b"<div", b"<meta", b"<title")


def safe_file_name(name: str, lang: str = "en") -> str:
    """Return a file name fit to store in the corpus folder, or raise CollectionRejected.

    A name with a folder in it (`../../x.pdf`, `a/b.pdf`, `C:\\x.pdf`), a leading dot, a
    control character, or one the corpus reserves is refused, not repaired: the person
    sees what was wrong. Accents stay (normalised to NFC); the suffix is lower-cased.
    """
    cleaned = unicodedata.normalize("NFC", name or "").strip()
    stem, dot, suffix = cleaned.rpartition(".")
    if (
        not cleaned
        or not dot
        or not stem.strip()
        or "/" in cleaned
        or "\\" in cleaned
        or ":" in cleaned
        or cleaned.startswith(".")
        or _CONTROL.search(cleaned)
        or len(cleaned) > MAX_NAME_CHARS
        or cleaned.lower() in _RESERVED
    ):
        raise CollectionRejected("file_name_invalid", lang, name=_shown(name))
    final = f"{stem.strip()}.{suffix.lower()}"
    if f".{suffix.lower()}" not in ALLOWED_SUFFIXES:
        raise CollectionRejected("file_type_unsupported", lang, name=final, known=", ".join(sorted(ALLOWED_SUFFIXES)))
    return final


def _shown(name: str | None) -> str:
    """Return a name as it may be shown back: control characters removed, cut short."""
    return _CONTROL.sub("", name or "")[:MAX_NAME_CHARS]


def check_content(name: str, data: bytes, lang: str = "en") -> None:
    """Refuse a file that is empty, too large, or whose bytes are not what its suffix says."""
    if not data:
        raise CollectionRejected("file_empty", lang, name=name)
    limit = max_file_bytes()
    if len(data) > limit:
        raise CollectionRejected("file_too_large", lang, name=name, size=_megabytes(len(data)),
                                 limit=_megabytes(limit))
    kind = ALLOWED_SUFFIXES[Path(name).suffix.lower()]
    if not _holds(kind, data):
        raise CollectionRejected("file_content_mismatch", lang, name=name, kind=kind.upper())


def _megabytes(size: int) -> str:
    return f"{size / MB:.0f}" if size >= MB else f"{size / MB:.2f}"


def _holds(kind: str, data: bytes) -> bool:
    """Return whether the bytes are a file of this kind, judged by their content."""
    if kind == "pdf":
        return data[:1024].lstrip().startswith(b"%PDF-")
    if kind == "docx":
        if not data.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return "word/document.xml" in archive.namelist()
        except zipfile.BadZipFile:
            return False
    head = data[:_SNIFF_BYTES]
    if b"\x00" in head or head.startswith((b"%PDF-", b"PK\x03\x04")):
        return False
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut at the sniffed edge
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                return False
    if kind == "html":
        lowered = head.lower()
        return any(mark in lowered for mark in _HTML_MARKS)
    return True


def write_atomically(path: Path, data: bytes) -> None:
    """Write bytes to path through a hidden temporary file beside it, switched in one rename."""
    temporary = path.parent / f".{path.name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
