"""Read the corpus manifest (corpus/manifest.toml) that describes each document."""

from __future__ import annotations

import json
import logging
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from assistant.lang import LANGUAGES
from assistant.sectors import SECTORS

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.toml"


class ManifestError(ValueError):
    """The manifest cannot be read; the message says where."""


@dataclass(frozen=True)
class ManifestEntry:
    """What the manifest says of one file."""

    doc_id: str
    file: str
    title: str | None = None
    lang: str | None = None
    organisation: str | None = None
    kind: str | None = None
    source: str | None = None
    year: int | None = None
    translation_of: str | None = None
    sectors: tuple[str, ...] = ()


# Ids go into links (/documents/<id>) and citations: letters, digits, "-", "_" and ".", not first.
SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_TEXT_FIELDS = {"title": "title", "organisation": "organisation", "kind": "kind", "source": "source",
                "translation_of": "translation_of", "language": "lang"}


def read_manifest(corpus_dir: Path) -> dict[str, ManifestEntry]:
    """Return the manifest's entries keyed by file name ({} when there is no manifest)."""
    return load_manifest(corpus_dir)[0]


def load_manifest(corpus_dir: Path) -> tuple[dict[str, ManifestEntry], list[str]]:
    """Return the manifest's entries keyed by file name, and what was ignored in it and why.

    A value of the wrong kind (`year = "2024a"`, `title = 42`, an id unsafe in a link) is
    ignored with a message naming the entry and the field; a manifest that cannot be read,
    an entry without id or file, or an id used twice stop the build (ManifestError).
    """
    path = corpus_dir / MANIFEST_NAME
    if not path.is_file():
        return {}, []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ManifestError(f"{path}: {error}") from error
    except OSError as error:
        raise ManifestError(f"{path}: could not read it ({error.strerror or error})") from error
    documents = data.get("documents", [])
    if not isinstance(documents, list):
        raise ManifestError(f"{path}: 'documents' must be a list of [[documents]] tables")
    entries: dict[str, ManifestEntry] = {}
    ignored: list[str] = []
    seen_ids: set[str] = set()
    for number, raw in enumerate(documents, start=1):
        if not isinstance(raw, dict) or "file" not in raw or "id" not in raw:
            raise ManifestError(f"{path}: document #{number} needs at least 'id' and 'file'")
        if not isinstance(raw["file"], str):
            ignored.append(f"document #{number}: \"file\" must be a file name; the entry is ignored")
            continue
        entry, problems = _entry(raw, f"document #{number} ({_shown(raw['file'])})")
        ignored += problems
        if entry is None:
            continue
        if entry.doc_id in seen_ids:
            raise ManifestError(f"{path}: the id {entry.doc_id!r} is used twice")
        seen_ids.add(entry.doc_id)
        entries[entry.file] = entry
    return entries, ignored


def _shown(value: object) -> str:
    """Return a value as the manifest's author would recognise it, control characters escaped."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:59] + "…"


def _entry(raw: dict, where: str) -> tuple[ManifestEntry | None, list[str]]:
    """Return one manifest entry with its wrong values left out, and a message for each."""
    problems: list[str] = []

    def refuse(field: str, expected: str) -> None:
        problems.append(f"{where}: \"{field}\" = {_shown(raw[field])} {expected}; the value is ignored")

    doc_id = raw["id"]
    if not isinstance(doc_id, str) or not SAFE_ID.fullmatch(doc_id):
        problems.append(
            f"{where}: \"id\" = {_shown(doc_id)} is not a safe id (1 to 100 letters a-z, digits, "
            "'-', '_' or '.', not starting with '.', '-' or '_'); the entry is ignored and the file's name gives its id"
        )
        return None, problems
    values: dict[str, object] = {}
    for field, name in _TEXT_FIELDS.items():
        value = raw.get(field)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            refuse(field, "is not a text")
        elif field == "language" and value not in LANGUAGES:
            refuse(field, f"is not one of {', '.join(LANGUAGES)}")
        else:
            values[name] = value.strip()
    year = raw.get("year")
    if year is not None:
        if isinstance(year, str) and year.strip().isdigit():
            year = int(year)
        if isinstance(year, int) and not isinstance(year, bool) and 1000 <= year <= 2999:
            values["year"] = year
        else:
            refuse("year", "is not a year such as 2024")
    sectors = raw.get("sectors")
    if sectors is not None:
        if not isinstance(sectors, list) or not all(isinstance(item, str) for item in sectors):
            refuse("sectors", "is not a list of sectors")
        else:
            unknown = [item for item in sectors if item not in SECTORS]
            if unknown:
                refuse("sectors", f"names unknown sector(s) (known: {', '.join(SECTORS)})")
            values["sectors"] = tuple(item for item in sectors if item in SECTORS)
    return ManifestEntry(doc_id=doc_id, file=raw["file"], **values), problems
