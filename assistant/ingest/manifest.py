"""Read the corpus manifest (corpus/manifest.toml) that describes each document."""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path

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


def read_manifest(corpus_dir: Path) -> dict[str, ManifestEntry]:
    """Return the manifest's entries keyed by file name ({} when there is no manifest)."""
    path = corpus_dir / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ManifestError(f"{path}: {error}") from error
    entries: dict[str, ManifestEntry] = {}
    seen_ids: set[str] = set()
    for number, raw in enumerate(data.get("documents", []), start=1):
        if not isinstance(raw, dict) or "file" not in raw or "id" not in raw:
            raise ManifestError(f"{path}: document #{number} needs at least 'id' and 'file'")
        doc_id = str(raw["id"])
        if doc_id in seen_ids:
            raise ManifestError(f"{path}: the id {doc_id!r} is used twice")
        seen_ids.add(doc_id)
        year = raw.get("year")
        entries[str(raw["file"])] = ManifestEntry(
            doc_id=doc_id,
            file=str(raw["file"]),
            title=raw.get("title"),
            lang=raw.get("language"),
            organisation=raw.get("organisation"),
            kind=raw.get("kind"),
            source=raw.get("source"),
            year=int(year) if year is not None else None,
            translation_of=raw.get("translation_of"),
            sectors=tuple(raw.get("sectors", ())),
        )
    return entries
