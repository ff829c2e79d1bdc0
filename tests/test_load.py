"""Load: a short bounded run of scripts/loadtest against a real server; search is thread-safe."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from assistant.harness import SAMPLE_QUESTIONS
from assistant.search import Filters
from tests.reliability_support import CORPUS, REPO, cli_env

QUESTIONS = [
    *SAMPLE_QUESTIONS,
    "¿Cómo colaborar con la escuela?",
    "🤝",
    "collaboration " * 100,
]


def test_a_short_load_run_has_no_errors_and_counts_every_question(tmp_path, index_copy):
    home = tmp_path / "home"
    home.mkdir()
    index = index_copy  # a copy: the question counts are written beside the index
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "loadtest.py"), "--clients", "4", "--seconds", "3",
         "--index", str(index), "--corpus", str(CORPUS), "--json", "--stats"],
        env=cli_env(home), capture_output=True, text=True, timeout=240, cwd=home,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["errors"] == 0 and report["server_tracebacks"] == 0
    assert report["requests"] >= 12, report
    assert report["distinct_questions"] >= 20
    assert report["p50_ms"] <= report["p95_ms"] <= report["p99_ms"] <= report["max_ms"]
    assert report["questions_counted"] == report["requests"]


def test_a_short_load_run_with_200_slow_connections_open_keeps_p99_under_a_second(tmp_path, bundled_index_dir):
    home = tmp_path / "home"
    home.mkdir()
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "loadtest.py"), "--clients", "2", "--seconds", "3", "--slow", "200",
         "--index", str(bundled_index_dir), "--corpus", str(CORPUS), "--json"],
        env=cli_env(home), capture_output=True, text=True, timeout=240, cwd=home,
    )
    assert done.returncode == 0, done.stdout + done.stderr  # it fails on any error, or on a p99 of 1 s or more
    report = json.loads(done.stdout)
    assert report["slow_connections"] == 200 and report["slow_opened"] >= 200 and report["slow_refused"] == 0
    assert report["requests"] >= 6 and report["p99_ms"] < 1000, report


def answer_key(answer) -> tuple[list[tuple[str, str | None]], str, str, list[float]]:
    """Return what must not change between runs: passages and translations in order, language,
    confidence, and the scores (questions encoded together may differ by ~1e-7 in their vectors)."""
    passages = [(hit.passage.passage_id, hit.translation.passage_id if hit.translation else None)
                for hit in answer.hits]
    return passages, answer.lang, answer.confidence, [hit.score for hit in answer.hits]


def same_answers(got, expected) -> bool:
    return all(
        one[:3] == other[:3] and max((abs(a - b) for a, b in zip(one[3], other[3], strict=True)), default=0) < 1e-4
        for one, other in zip(got, expected, strict=True)
    )


def test_concurrent_asks_give_the_sequential_answers(searcher, bundled_index):
    doc_id = sorted(bundled_index.documents)[0]
    work = [
        (question, k, filters)
        for question in QUESTIONS
        for k in (1, 5)
        for filters in (None, Filters(sectors=("police",)), Filters(doc_ids=(doc_id,)))
    ]
    expected = [answer_key(searcher.ask(question, k=k, filters=filters)) for question, k, filters in work]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            got = list(pool.map(lambda job: answer_key(searcher.ask(job[0], k=job[1], filters=job[2])), work))
            assert same_answers(got, expected)


def test_concurrent_encoding_gives_the_same_vectors(searcher):
    import numpy as np

    encoder = searcher.encoder
    texts = QUESTIONS * 4
    expected = [encoder.encode_query(text) for text in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(encoder.encode_query, texts))
    for one, other in zip(expected, got, strict=True):
        np.testing.assert_allclose(one, other, rtol=0, atol=1e-5)


def test_idle_and_half_sent_requests_do_not_block_the_others(searcher):
    import socket
    import threading
    import time
    import urllib.request

    from assistant.web import create_app
    from assistant.web.serve import make_server

    server = make_server(create_app({"SEARCHER": searcher}), "127.0.0.1", 0)
    threading.Thread(target=server.run, daemon=True).start()
    port = server.effective_port
    stalled: list[socket.socket] = []
    try:
        for number in range(60):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            if number % 2:  # headers announce a body that never comes
                sock.sendall(b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 500\r\n\r\n{\"question\": \"pol")
            else:
                sock.sendall(b"GET /api/docu")
            stalled.append(sock)
        started = time.monotonic()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/ask", data=json.dumps({"question": QUESTIONS[0]}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200 and json.loads(response.read())["passages"]
        assert time.monotonic() - started < 10
    finally:
        for sock in stalled:
            sock.close()
        server.close()
