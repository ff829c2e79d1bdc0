"""Time `assistant serve`: from launch to the first answer, then POST /api/ask latency."""

from __future__ import annotations

import http.client
import json
import os
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench_child import percentiles

from assistant.harness import TIMING_QUESTIONS as QUESTIONS
from assistant.harness import start_server, stop_server

START_TIMEOUT = 120.0


def ask(connection: http.client.HTTPConnection, question: str) -> int:
    """POST one question on an open connection; return the HTTP status."""
    body = json.dumps({"question": question, "k": 5}).encode("utf-8")
    connection.request("POST", "/api/ask", body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    return response.status


def measure_server(index_dir: Path, corpus_dir: Path, repeat: int, rounds: int) -> dict:
    """Launch `assistant serve` on an index, wait for its first answer, then time questions."""
    env = dict(os.environ, ASSISTANT_INDEX=str(index_dir), ASSISTANT_CORPUS=str(corpus_dir))
    env.pop("ASSISTANT_STATS", None)
    started = time.perf_counter()
    server, url = start_server(env=env, serve_args=["--host", "127.0.0.1"], timeout=START_TIMEOUT)
    try:
        connection = http.client.HTTPConnection(urlsplit(url).netloc, timeout=30)
        if ask(connection, QUESTIONS[0]) != 200:
            raise RuntimeError("the first POST /api/ask did not answer 200")
        first_answer = time.perf_counter() - started
        per_round = []
        for _ in range(rounds):
            samples = []
            for _ in range(repeat):
                for question in QUESTIONS:
                    begun = time.perf_counter()
                    status = ask(connection, question)
                    samples.append(time.perf_counter() - begun)
                    if status != 200:
                        raise RuntimeError(f"POST /api/ask answered {status}")
            per_round.append(percentiles(samples))
        connection.close()
    finally:
        stop_server(server, timeout=10)
    ordered = {name: sorted(result[name] for result in per_round) for name in ("p50", "p95", "p99")}
    return {
        "first_answer_s": round(first_answer, 3),
        "latency_ms": {name: values[len(values) // 2] for name, values in ordered.items()}
        | {"samples": repeat * len(QUESTIONS), "rounds": rounds},
    }

