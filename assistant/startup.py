"""Starting the program: the cyclic garbage collector paused while it imports and loads.

A start makes some 100,000 objects that all live on (modules, classes, the index's tables);
the collector would go over them ~130 times meanwhile and free nothing: ~30 ms of each
start of `assistant serve` (measured with gc.callbacks). Paused for those steps only, it
runs as usual afterwards.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the block (it stays off if it was off)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
