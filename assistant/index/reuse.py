"""What a build may reuse of the index it replaces: its vectors by embedding key, its corpus state.

Read from the current format and from the one before it (passages as JSON lines), so
that the first build after an upgrade re-embeds nothing that did not change.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from assistant.index.manifest import FORMAT_VERSION, MANIFEST
from assistant.index.passage_table import PassageTable

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


def previous_vectors(folder: Path, encoder_id: str) -> dict[str, np.ndarray]:
    """Return the vectors of the index in a folder by embedding key, when its encoder is this one."""
    data = _raw_manifest(folder)
    try:
        if data is None or data["encoder"]["id"] != encoder_id:
            return {}
        vectors = np.load(folder / data["files"]["embeddings"], mmap_mode="r")
        keys = _keys(folder, data)
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    if len(keys) != vectors.shape[0]:
        return {}
    return {key: vectors[number] for number, key in enumerate(keys)}
