"""Privacy: what a worker asks is never written to logs, disk or the index; counts are opt-in."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from assistant.harness import server_address, stop_server
from assistant.stats import read_stats, record_question, reset_stats, stats_path
from tests.reliability_support import cli_env, run_cli

# A name no document, library or log could contain by chance.
SECRET = "Qzorvathine"
QUESTION_EN = f"What should I do when {SECRET} Tremblay, 15, says her father hits her?"
QUESTION_FR = f"Que faire quand {SECRET} Gagnon, 14 ans, dit que son père la frappe ?"


def files_holding(root: Path, needle: str, since: float | None = None) -> list[Path]:
    """Return the files under root (modified after `since`) whose bytes contain the needle."""
    forms = {needle.encode(), needle.lower().encode(), needle.upper().encode(), needle.encode("utf-16-le")}
    found = []
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            try:
                if not path.is_file() or path.stat().st_size > 50_000_000:
                    continue
                if since is not None and path.stat().st_mtime < since:
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            if any(form in data for form in forms):
                found.append(path)
    return found


def announced_address(log: Path, server: subprocess.Popen, timeout: float = 120) -> str:
    """Return the address a server wrote in its log once it listens."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = server_address(log.read_text())
        if found:
            return found
        assert server.poll() is None, log.read_text()[-2000:]
        time.sleep(0.1)
    raise AssertionError("the server did not start: " + log.read_text()[-2000:])


def post_json(url: str, body: bytes) -> tuple[int, dict]:
    """POST a body to the API and return the status and the decoded JSON answer."""
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_whole_session_leaves_no_trace_of_the_questions(tmp_path, corpus_copy):
    started = time.time() - 1
    home = tmp_path / "home"
    home.mkdir()
    logs = home / "logs"
    logs.mkdir()
    env = cli_env(home, ASSISTANT_CORPUS=str(corpus_copy), ASSISTANT_STATS="1")
    outputs: list[str] = []

    built = run_cli("-vv", "ingest", env=env)
    assert built.returncode == 0, built.stderr
    outputs += [built.stdout, built.stderr]
    asked = run_cli("-vv", "ask", QUESTION_FR, env=env)
    assert asked.returncode == 0, asked.stderr
    outputs += [asked.stdout, asked.stderr]
    as_json = run_cli("-vv", "ask", "--json", QUESTION_EN, env=env)
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["question"] == QUESTION_EN  # shown to the asker, nowhere else
    outputs.append(as_json.stderr)
    answers = [json.loads(as_json.stdout)]

    with (logs / "serve.out").open("w") as out, (logs / "serve.err").open("w") as err:
        server = subprocess.Popen(
            [sys.executable, "-m", "assistant", "-vv", "serve", "--port", "0"],
            env=env, stdout=out, stderr=err, cwd=home,
        )
    try:
        base = announced_address(logs / "serve.err", server)
        status, answer = post_json(base + "/api/ask", json.dumps({"question": QUESTION_EN, "k": 3}).encode())
        assert status == 200 and answer["passages"]
        answers.append(answer)
        status, answer = post_json(base + "/api/ask", json.dumps({"question": QUESTION_FR}).encode())
        assert status == 200
        answers.append(answer)
        # Refused requests, whose handling might log what was sent.
        for body in (
            json.dumps({"question": QUESTION_FR, "k": "abc"}).encode(),
            json.dumps({"question": QUESTION_EN * 200}).encode(),
            json.dumps({"question": QUESTION_EN, "sectors": [SECRET]}).encode(),
            f'{{"question": "{QUESTION_EN}"'.encode(),
            QUESTION_FR.encode("latin-1", "replace") + b"\xff",
        ):
            status, refused = post_json(base + "/api/ask", body)
            assert 400 <= status < 500, refused
        with urllib.request.urlopen(base + "/api/stats", timeout=10) as response:
            served_stats = json.loads(response.read())
    finally:
        stop_server(server)
    outputs += [(logs / "serve.out").read_text(), (logs / "serve.err").read_text()]

    # The counts: two CLI questions and two HTTP ones; refused requests do not count.
    assert served_stats["enabled"] is True
    counts = json.loads(run_cli("stats", "--json", env=env).stdout)
    assert counts["questions"] == 4
    assert counts["by_language"]["fr"]["questions"] == 2
    assert counts["by_language"]["en"]["questions"] == 2
    assert served_stats["questions"] == 4

    for text in outputs:
        assert SECRET.lower() not in text.lower()
    assert files_holding(home, SECRET) == []
    for shared in ("/tmp", "/var/tmp", "/dev/shm"):
        if Path(shared).is_dir():
            assert files_holding(Path(shared), SECRET, since=started) == []
    # The counts of unanswered questions match what the answers said.
    unanswered = sum(not answer["answerable"] for answer in answers)
    unanswered += "Les documents ne semblent pas répondre" in asked.stdout
    assert counts["unanswered"] == unanswered


def test_debug_logs_never_hold_the_question(bundled_settings, caplog, runner):
    from assistant.web import create_app
    from assistant.web.state import searcher_of

    caplog.set_level(logging.DEBUG)
    app = create_app({"SETTINGS": bundled_settings, "TESTING": True})  # loads its own searcher, logging
    client = app.test_client()
    assert client.post("/api/ask", json={"question": QUESTION_EN}).status_code == 200
    assert client.post("/api/ask", json={"question": QUESTION_FR, "k": 0}).status_code == 400
    assert client.post("/api/ask", data=b"\xff" + SECRET.encode(), content_type="application/json").status_code == 400
    searcher_of(app).close()
    result = runner("-vv", "ask", QUESTION_FR, index=bundled_settings.index_dir)
    assert result.exit_code == 0, result.output
    for record in caplog.records:
        assert SECRET not in record.getMessage()
        assert SECRET not in str(record.args)


# --- the opt-in counts ----------------------------------------------------------------------


def test_counts_are_off_by_default(index_copy, runner):
    folder = index_copy
    result = runner("ask", QUESTION_EN, index=folder)
    assert result.exit_code == 0
    assert not stats_path(folder).exists()
    shown = runner("stats", index=folder)
    assert "question counts are off" in shown.output


def test_counts_hold_languages_and_unanswered_only(tmp_path):
    folder = tmp_path / "index"
    record_question(folder, "fr", answered=True)
    record_question(folder, "fr", answered=False)
    record_question(folder, "en", answered=True)
    record_question(folder, "es", answered=False)
    counts = read_stats(folder)
    assert counts["questions"] == 4 and counts["unanswered"] == 2
    assert counts["by_language"] == {
        "fr": {"questions": 2, "unanswered": 1},
        "en": {"questions": 1, "unanswered": 0},
        "other": {"questions": 1, "unanswered": 1},
    }
    saved = json.loads(stats_path(folder).read_text(encoding="utf-8"))
    assert set(saved) == {"questions", "unanswered", "by_language", "since"}
    assert len(saved["since"]) == 10  # a day, not a time
    reset_stats(folder)
    assert read_stats(folder)["questions"] == 0


def test_counts_survive_concurrent_writers(tmp_path):
    folder = tmp_path / "index"
    script = (
        "import sys; from pathlib import Path; from assistant.stats import record_question\n"
        "for _ in range(50): record_question(Path(sys.argv[1]), 'en', answered=False)\n"
    )
    workers = [subprocess.Popen([sys.executable, "-c", script, str(folder)]) for _ in range(4)]
    assert all(worker.wait(timeout=60) == 0 for worker in workers)
    assert read_stats(folder)["by_language"]["en"] == {"questions": 200, "unanswered": 200}


@pytest.mark.parametrize("content", ["not json", "[]", '{"questions": "many", "by_language": 3}'])
def test_damaged_counts_start_again_and_never_break_an_answer(tmp_path, content):
    folder = tmp_path / "index"
    folder.mkdir()
    stats_path(folder).write_text(content, encoding="utf-8")
    record_question(folder, "en", answered=True)
    assert read_stats(folder)["questions"] == 1


def test_unwritable_counts_never_break_an_answer(tmp_path, caplog):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    record_question(blocked, "en", answered=True)  # the "index folder" is a file: cannot write
    assert "could not update the question counts" in caplog.text


def test_stats_cli_shows_the_counts(tmp_path, monkeypatch, runner):
    folder = tmp_path / "index"
    record_question(folder, "fr", answered=False)
    monkeypatch.setenv("ASSISTANT_STATS", "1")
    shown = runner("stats", index=folder)
    assert shown.exit_code == 0
    assert "1 questions" in shown.output and "1 unanswered" in shown.output and "fr:" in shown.output
