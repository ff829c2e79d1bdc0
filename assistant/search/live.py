"""A searcher that follows its index folder: a finished build is answered from within seconds, no restart.

`LiveSearcher` looks at the folder's manifest.json (a stat, a few microseconds, at each
request and every `every` seconds in a watcher thread; a read only when it changed). When
another build id is there it loads that index beside the one in use, warms it up, then
swaps it in; a request that finds the switch not done yet waits for it, so nothing asked
after a build finished is answered from the index before it (with `serve --workers N` the
page's "done" may come from one process while the next question goes to another); requests that started on the
old searcher finish on it (`lease()`), and it is closed once the last one is done. A build
that fails never switches the manifest, and an index that does not load is logged and
skipped, so the process goes on answering from what it has. Each serving process holds
its own LiveSearcher, so every process follows the folder by itself.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from assistant.index import IndexProblem, load_index
from assistant.index.manifest import MANIFEST, read_manifest
from assistant.search.searcher import Searcher

log = logging.getLogger(__name__)

EVERY = 1.0  # seconds between two looks at the manifest


def _stamp(path: os.PathLike) -> tuple[int, int, int] | None:
    """Return what changes when a file is replaced (inode, size, modification time), or None."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_ino, status.st_size, status.st_mtime_ns


class LiveSearcher:
    """Holds the current Searcher of an index folder and swaps in each new build of it."""

    def __init__(self, searcher: Searcher, every: float = EVERY) -> None:
        self.folder = searcher.index.folder
        self.every = every
        self._current = searcher
        self._manifest = self.folder / MANIFEST
        self._seen = _stamp(self._manifest)
        self._checked = time.monotonic()
        self._leases: dict[int, int] = {}
        self._retired: list[Searcher] = []
        self._lock = threading.RLock()
        self._loading = threading.Lock()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def current(self) -> Searcher:
        """Return the searcher in use now (without holding it: see lease())."""
        return self._current

    @property
    def build(self) -> str | None:
        """Return the build id of the index in use."""
        return self._current.index.manifest.build

    @contextmanager
    def lease(self) -> Iterator[Searcher]:
        """Hold the current searcher for one request: a swap meanwhile closes it only after."""
        self._follow()
        with self._lock:
            searcher = self._current
            self._leases[id(searcher)] = self._leases.get(id(searcher), 0) + 1
        try:
            yield searcher
        finally:
            self.release(searcher)

    def acquire(self) -> Searcher:
        """Return the current searcher, held until release(searcher) (for callers that cannot use `with`)."""
        self._follow()
        with self._lock:
            searcher = self._current
            self._leases[id(searcher)] = self._leases.get(id(searcher), 0) + 1
            return searcher

    def release(self, searcher: Searcher) -> None:
        """Give back a searcher from acquire(); close it when it was replaced and nobody holds it."""
        with self._lock:
            count = self._leases.get(id(searcher), 1) - 1
            if count > 0:
                self._leases[id(searcher)] = count
                return
            self._leases.pop(id(searcher), None)
            if searcher in self._retired:
                self._retired.remove(searcher)
                searcher.close()

    def check(self, wait: bool = False) -> None:
        """Look at the manifest (at most every `every` s); on a new build, load it (in a thread unless wait)."""
        now = time.monotonic()
        if not wait and now - self._checked < self.every:
            return
        self._checked = now
        stamp = _stamp(self._manifest)
        if stamp is None or stamp == self._seen:
            return
        if wait:
            self._load(stamp)
        elif not self._loading.locked():
            threading.Thread(target=self._load, args=(stamp,), name="index-switch", daemon=True).start()

    def _follow(self) -> None:
        """Switch now, waiting for the load, when the manifest names another build than the one in use."""
        stamp = _stamp(self._manifest)
        if stamp is not None and stamp != self._seen:
            self._load(stamp)

    def refresh(self) -> bool:
        """Load a new build now if there is one; return whether the searcher changed."""
        before = self._current
        self._checked = 0.0
        self.check(wait=True)
        return self._current is not before

    def _load(self, stamp: tuple[int, int, int]) -> None:
        with self._loading:
            if stamp == self._seen:
                return
            try:
                build = read_manifest(self.folder).build
                if build == self.build:
                    self._seen = stamp
                    return
                searcher = self._open()
            except (IndexProblem, OSError, ValueError) as problem:
                # A half-switched or damaged folder: keep answering from the index in use.
                log.warning("the new index in %s could not be loaded (%s): still answering from build %s",
                            self.folder, problem, self.build)
                self._seen = stamp
                return
            with self._lock:
                old, self._current, self._seen = self._current, searcher, stamp
                if self._leases.get(id(old)):
                    self._retired.append(old)
                else:
                    old.close()
            log.info("now answering from build %s of %s", searcher.index.manifest.build, self.folder)

    def _open(self) -> Searcher:
        old = self._current
        index = load_index(self.folder, encoder_id=old.encoder.encoder_id)
        try:
            searcher = Searcher(index, old.encoder, glossary=old.glossary)
            searcher.ask("warm up", k=1)  # the lazy loads now, not on the first person's question
            return searcher
        except BaseException:
            index.close()
            raise

    def watch(self, every: float | None = None) -> None:
        """Look at the manifest in a background thread, so a new build is in use before anyone asks."""
        if self._watcher is not None:
            return
        interval = every or self.every

        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    self.check()
                except Exception:  # keep watching; the next look may succeed
                    log.exception("looking at %s", self._manifest)

        self._watcher = threading.Thread(target=loop, name="index-watch", daemon=True)
        self._watcher.start()

    def close(self) -> None:
        """Stop watching and close the searchers held."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=2 * self.every + 1)
        with self._loading, self._lock:
            for searcher in [*self._retired, self._current]:
                searcher.close()
            self._retired.clear()
