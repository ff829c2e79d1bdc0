"""Each index file's size and SHA-256, kept in the manifest and checked when the index is read.

The manifest's `files` map names every file of a build by role; `file_checksums` records
each one's size and digest, whatever the roles are, and `check_files` compares them. Sizes
are checked at every load (a stat per file); digests read every byte, so they are checked
by `assistant ingest --verify`, by a build before it reuses the previous index's vectors,
and at every load of an index of at most VERIFY_CONTENT_BELOW bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from assistant.index.problems import IndexCorrupt

# Indexes up to this size have every byte checked whenever they are loaded: any exact-search
# index (≤ 20,000 passages: about 150 MB with its lexicon, at the bundled index's bytes per
# passage). SHA-256 reads 1.4 GB/s on one idle core
# of the reference machine, 310 MB/s with both cores busy: 0.2 to 0.8 s at the limit, ~15 ms
# for the bundled corpus's 2 MB. Larger ones are checked by size, and by content on demand.
VERIFY_CONTENT_BELOW = 256 * 1024 * 1024
ALGORITHM = "sha256"
_CHUNK = 1024 * 1024


def file_digest(path: Path) -> str:
    """Return the hex SHA-256 of a file, read in chunks."""
    digest = hashlib.new(ALGORITHM)
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_checksums(folder: Path, files: Mapping[str, str]) -> dict[str, dict]:
    """Return {role: {"size": bytes, "sha256": hex}} for every file the `files` map names."""
    return {role: {"size": (folder / name).stat().st_size, ALGORITHM: file_digest(folder / name)}
            for role, name in files.items()}


def check_index_files(folder: Path, files: Mapping[str, str], checksums: Mapping[str, Mapping],
                      verify: bool | None = None) -> None:
    """Check the files' sizes, and their content when `verify` is True, or None and the index is small."""
    if verify is None:
        try:
            verify = sum(int(entry["size"]) for entry in checksums.values()) <= VERIFY_CONTENT_BELOW
        except (KeyError, TypeError, ValueError):  # a damaged record: check_files says which file
            verify = True
    check_files(folder, files, checksums, verify)


def check_files(folder: Path, files: Mapping[str, str], checksums: Mapping[str, Mapping], content: bool) -> None:
    """Raise IndexCorrupt when a file is missing, has another size or (when `content`) other bytes.

    Every role of `files` must have its checksum: a file without one is as suspect as a
    file with a wrong one.
    """
    for role, name in files.items():
        expected = checksums.get(role)
        path = folder / name
        try:
            if not isinstance(expected, Mapping):
                raise ValueError("no checksum recorded")
            size = path.stat().st_size
            if size != int(expected["size"]):
                raise ValueError(f"{size} bytes, {expected['size']} expected")
            if content and file_digest(path) != expected[ALGORITHM]:
                raise ValueError("its content has changed")
        except FileNotFoundError as error:
            raise IndexCorrupt(_damaged(folder, name, "missing")) from error
        except (OSError, ValueError, KeyError, TypeError) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            raise IndexCorrupt(_damaged(folder, name, reason)) from error


def _damaged(folder: Path, name: str, reason: str) -> str:
    return f"the index in {folder} is damaged ({name}: {reason}): run `assistant ingest` to rebuild it"
