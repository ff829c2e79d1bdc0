"""Time `assistant serve`: from launch to the first answer, then POST /api/ask latency."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench_child import QUESTIONS, percentiles

ASSISTANT = Path(sys.executable).with_name("assistant")
START_TIMEOUT = 120.0


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ask(connection: http.client.HTTPConnection, question: str) -> int:
    """POST one question on an open connection; return the HTTP status."""
    body = json.dumps({"question": question, "k": 5}).encode("utf-8")
    connection.request("POST", "/api/ask", body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    return response.status


def measure_server(index_dir: Path, corpus_dir: Path, repeat: int, rounds: int) -> dict:
    """Launch `assistant serve` on an index, wait for its first answer, then time questions."""
    port = free_port()
    env = dict(os.environ, ASSISTANT_INDEX=str(index_dir), ASSISTANT_CORPUS=str(corpus_dir))
    env.pop("ASSISTANT_STATS", None)
    started = time.perf_counter()
    server = subprocess.Popen(
        [str(ASSISTANT), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        first_answer = _wait_first_answer(server, port, started)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
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
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    ordered = {name: sorted(result[name] for result in per_round) for name in ("p50", "p95", "p99")}
    return {
        "first_answer_s": round(first_answer, 3),
        "latency_ms": {name: values[len(values) // 2] for name, values in ordered.items()}
        | {"samples": repeat * len(QUESTIONS), "rounds": rounds},
    }


def _wait_first_answer(server: subprocess.Popen, port: int, started: float) -> float:
    """Poll POST /api/ask until it answers 200; return the seconds since launch."""
    while time.perf_counter() - started < START_TIMEOUT:
        if server.poll() is not None:
            raise RuntimeError(f"assistant serve stopped: {server.stderr.read()[-2000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            status = ask(connection, QUESTIONS[0])
            connection.close()
            if status == 200:
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.01)
    raise RuntimeError(f"assistant serve did not answer within {START_TIMEOUT:.0f} s")
