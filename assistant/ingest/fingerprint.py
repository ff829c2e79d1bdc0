"""One hash of a corpus folder: it changes whenever a file, the manifest or the pipeline does."""

from __future__ import annotations

import hashlib
from pathlib import Path

from assistant.ingest.files import corpus_names, file_hash
from assistant.ingest.manifest import MANIFEST_NAME

# Bump when cleaning or chunking changes, so that old indexes count as stale.
PIPELINE_VERSION = "4"


def corpus_state(corpus_dir: Path) -> dict[str, str]:
    """Return {relative path: sha256} for the corpus files and its manifest ("unreadable" for some).

    A file that cannot be read counts as "unreadable", not as an error: the index stays
    current while it stays so, and `ask` or `serve` never stop over it.
    """
    state = {name: file_hash(path) for name, path in corpus_names(corpus_dir)}
    manifest = corpus_dir / MANIFEST_NAME
    if manifest.is_file():
        state[MANIFEST_NAME] = file_hash(manifest)
    return state


def corpus_fingerprint(corpus_dir: Path, state: dict[str, str] | None = None) -> str:
    """Return one hash that changes whenever a corpus file, the manifest or the pipeline does."""
    state = corpus_state(corpus_dir) if state is None else state
    digest = hashlib.sha256(f"pipeline={PIPELINE_VERSION}\n".encode())
    for name in sorted(state):
        digest.update(f"{name}\t{state[name]}\n".encode())
    return digest.hexdigest()
