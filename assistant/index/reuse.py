"""What a build may reuse of the index it replaces: its vectors by embedding key, its corpus state.

Read from the current format and from the one before it (passages as JSON lines), so
that the first build after an upgrade re-embeds nothing that did not change.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from assistant.index.checksums import check_index_files
from assistant.index.manifest import FORMAT_VERSION, MANIFEST
from assistant.index.ondisk import VectorRows
from assistant.index.passage_table import PassageTable
from assistant.index.problems import IndexCorrupt

log = logging.getLogger(__name__)

KEY = "embedding_key"  # the passages' extra column naming the text each vector embeds


def _raw_manifest(folder: Path) -> dict | None:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def previous_state(folder: Path) -> dict[str, str]:
    """Return {corpus file: sha256} of the index in a folder ({} when there is none)."""
    data = _raw_manifest(folder) or {}
    files = data.get("corpus", {}).get("files", {}) if isinstance(data.get("corpus"), dict) else {}
    return dict(files) if isinstance(files, dict) else {}


def _keys(folder: Path, data: dict) -> list[str]:
    name = data["files"]["passages"]
    if data.get("format_version") == FORMAT_VERSION:
        table = PassageTable(folder / name)
        try:
            return table.extra(KEY)
        finally:
            table.close()
    if data.get("format_version") == 1:
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        return [json.loads(line)[KEY] for line in lines if line]
    raise ValueError(f"unknown index format {data.get('format_version')!r}")


def previous_vectors(folder: Path, encoder_id: str) -> tuple[VectorRows | None, dict[str, int]]:
    """Return the vectors file of the index in a folder (to close) and its rows by embedding key.

    (None, {}) when there is no such index or another encoder made it. The vectors stay in
    their file: a build reads the ones it reuses, one at a time.
    """
    data = _raw_manifest(folder)
    stored = None
    try:
        if data is None or data["encoder"]["id"] != encoder_id:
            return None, {}
        if data.get("checksums"):  # every byte: damaged vectors reused would pass into each later build unnoticed
            try:
                check_index_files(folder, data["files"], data["checksums"], verify=True)
            except IndexCorrupt as problem:
                log.warning("%s; embedding every passage again", problem)
                return None, {}
        stored = VectorRows(folder / data["files"]["embeddings"])
        keys = _keys(folder, data)
    except (OSError, ValueError, KeyError, TypeError):
        if stored is not None:
            stored.close()
        return None, {}
    if len(keys) != stored.shape[0]:
        stored.close()
        return None, {}
    return stored, {key: number for number, key in enumerate(keys)}
