"""Time `assistant serve`: from launch to ready and to the first answer, POST /api/ask latency, throughput."""

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


def compile_package() -> None:
    """Write the package's bytecode, as an installed copy has it: pip compiles a package as it
    installs it, scripts/setup compiles the editable install, and any start writes what is
    missing, unless PYTHONDONTWRITEBYTECODE is set. Under it (as in some sandboxes) every start
    would compile ~110 modules again (~0.1 s), which no installed copy does."""
    import compileall

    import assistant

    compileall.compile_dir(Path(assistant.__file__).parent, quiet=1)


def measure_server(index_dir: Path, corpus_dir: Path, repeat: int, rounds: int) -> dict:
    """Launch `assistant serve` on an index, wait for it to be ready and its first answer, then time questions.

    Both times run from the monotonic clock read just before the launch (no process start-time
    rounding): ready at its READY_LINE, which the server prints once every worker listens. The
    package is compiled first, as installed (see compile_package).
    """
    compile_package()
    env = dict(os.environ, ASSISTANT_INDEX=str(index_dir), ASSISTANT_CORPUS=str(corpus_dir))
    env.pop("ASSISTANT_STATS", None)
    started = time.monotonic()
    server, url = start_server(env=env, serve_args=["--host", "127.0.0.1"], timeout=START_TIMEOUT)
    ready = time.monotonic() - started
    try:
        connection = http.client.HTTPConnection(urlsplit(url).netloc, timeout=30)
        if ask(connection, QUESTIONS[0]) != 200:
            raise RuntimeError("the first POST /api/ask did not answer 200")
        first_answer = time.monotonic() - started
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
        "ready_s": round(ready, 3),
        "first_answer_s": round(first_answer, 3),
        "latency_ms": {name: values[len(values) // 2] for name, values in ordered.items()}
        | {"samples": repeat * len(QUESTIONS), "rounds": rounds},
    }



def measure_throughput(index_dir: Path, corpus_dir: Path, workers: int, clients: int, seconds: float) -> dict:
    """Run scripts/loadtest's clients against `assistant serve --workers N`; return its report's figures."""
    from loadtest import run

    report = run(clients, seconds, index_dir, corpus_dir, workers=workers)
    if report["errors"]:
        raise RuntimeError(f"throughput with {workers} workers: {report['error_samples']}")
    keep = ("workers", "clients", "seconds", "requests", "requests_per_second", "p50_ms", "p95_ms",
            "server_memory_mb")
    return {name: report[name] for name in keep} | {"load_average": [round(value, 2) for value in os.getloadavg()]}
