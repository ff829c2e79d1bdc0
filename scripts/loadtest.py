#!/usr/bin/env python
"""Load test: start `assistant serve` on 127.0.0.1, have N clients ask corpus questions for S seconds.

Each client keeps one HTTP connection and asks, one after another, questions drawn from the
served corpus itself (headings and sentences of its documents, in French and English) and a
few written by hand, with k from 1 to 10. Reports requests/s, latency percentiles and errors;
exits 1 when any request failed (a status other than 200, a broken answer, a lost connection).

With --slow N, N slow connections (idle, half-sent and trickling ones: scripts/slow_clients.py)
are held open all along, replaced as the server cuts them off; the run then also fails when
the normal requests' p99 reaches SLOW_P99_LIMIT_MS.

    .venv/bin/python scripts/loadtest.py [--clients 8] [--seconds 30] [--slow 200] [--index DIR] [--corpus DIR]
        [--json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from slow_clients import SlowClients

from assistant.harness import SAMPLE_QUESTIONS, ServerDidNotStart, start_server, stop_server

# With slow connections open, normal requests must still be answered within a second (issue 14).
SLOW_P99_LIMIT_MS = 1000

@dataclass
class Tally:
    """What every client measured, merged under a lock."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if error:
                self.errors.append(error)


def start(index: Path | None, corpus: Path | None, stats: bool, log: list[str],
          workers: int | None = None) -> tuple[subprocess.Popen, str]:
    """Start `assistant serve --port 0` (its stderr kept in `log`); return it and its host:port."""
    env = {key: value for key, value in os.environ.items() if key != "ASSISTANT_STATS"}
    if stats:
        env["ASSISTANT_STATS"] = "1"
    if index:
        env["ASSISTANT_INDEX"] = str(index.resolve())
    if corpus:
        env["ASSISTANT_CORPUS"] = str(corpus.resolve())
    env["PYTHONUNBUFFERED"] = "1"
    try:
        serve_args = ["--host", "127.0.0.1", *(["--workers", str(workers)] if workers else [])]
        server, url = start_server(env=env, serve_args=serve_args, log=log)
    except ServerDidNotStart as error:
        raise SystemExit(str(error)) from None
    return server, urlsplit(url).netloc


def get_json(address: str, path: str) -> dict:
    """GET a JSON document from the server."""
    connection = http.client.HTTPConnection(address, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return json.loads(response.read())
    finally:
        connection.close()


def corpus_questions(address: str, limit: int = 200, seed: int = 0) -> list[str]:
    """Return varied questions made of the served corpus's headings and sentences, both languages."""
    found: list[str] = []
    for listed in get_json(address, "/api/documents")["documents"]:
        document = get_json(address, f"/api/documents/{listed['id']}")
        found.append(document["title"])
        for block in document["blocks"]:
            words = block["text"].split()
            if block["kind"] == "heading" and len(words) >= 2:
                found.append(block["text"])
            elif len(words) >= 6:
                found.append(" ".join(words[:14]))
    rng = random.Random(seed)
    rng.shuffle(found)
    return [*SAMPLE_QUESTIONS, *found[:limit]]


def client(address: str, questions: list[str], stop_at: float, tally: Tally, seed: int) -> None:
    """Ask questions one after another on one kept-alive connection until the deadline."""
    rng = random.Random(seed)
    connection = http.client.HTTPConnection(address, timeout=60)
    while time.monotonic() < stop_at:
        body = json.dumps({"question": rng.choice(questions), "k": rng.randint(1, 10)}).encode()
        started = time.perf_counter()
        error = None
        try:
            connection.request("POST", "/api/ask", body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            data = response.read()
            if response.status != 200:
                error = f"HTTP {response.status}: {data[:200]!r}"
            elif not isinstance(json.loads(data).get("passages"), list):
                error = "an answer without passages"
        except (OSError, http.client.HTTPException, ValueError) as problem:
            error = f"{type(problem).__name__}: {problem}"
            connection.close()
            connection = http.client.HTTPConnection(address, timeout=60)
        tally.add(time.perf_counter() - started, error)
    connection.close()


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile of sorted values."""
    if not values:
        return float("nan")
    rank = max(0, min(len(values) - 1, round(share * len(values) + 0.5) - 1))
    return values[rank]


def run(clients: int, seconds: float, index: Path | None, corpus: Path | None, stats: bool = False,
        slow: int = 0, workers: int | None = None) -> dict:
    """Start a server, load it (with `slow` slow connections open all along), stop it; return the report."""
    server_log: list[str] = []
    server, address = start(index, corpus, stats, server_log, workers)
    try:
        questions = corpus_questions(address)
        memory_before = _rss_mb(server.pid)
        counted_before = get_json(address, "/api/stats").get("questions", 0) if stats else 0
        tally = Tally()
        host, port = address.rsplit(":", 1)
        with SlowClients(host, int(port), slow) as slow_clients:
            stop_at = time.monotonic() + seconds
            started = time.perf_counter()
            askers = [
                threading.Thread(target=client, args=(address, questions, stop_at, tally, number))
                for number in range(clients)
            ]
            for asker in askers:
                asker.start()
            for asker in askers:
                asker.join()
            elapsed = time.perf_counter() - started
        memory = _rss_mb(server.pid)
        counted = get_json(address, "/api/stats").get("questions", 0) - counted_before if stats else None
    finally:
        stop_server(server)
    latencies = sorted(tally.latencies)
    stderr = "".join(server_log)
    return {
        "clients": clients,
        "workers": workers,
        "seconds": round(elapsed, 2),
        "distinct_questions": len(set(questions)),
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
        "errors": len(tally.errors),
        "error_samples": tally.errors[:5],
        "questions_counted": counted,
        "server_tracebacks": stderr.count("Traceback"),
        "server_memory_mb_before": memory_before,
        "server_memory_mb": memory,
        **slow_clients.report(),
    }


def _rss_mb(pid: int) -> float | None:
    """Return the memory of the server and its workers: the sum of their proportional set sizes."""
    try:
        import psutil
    except ImportError:
        return None
    try:
        server = psutil.Process(pid)
        processes = [server, *server.children(recursive=True)]
        # PSS shares pages among the processes holding them; RSS would count the index once per worker.
        return round(sum(_pss(process) for process in processes) / 2**20, 1)
    except psutil.Error:
        return None


def _pss(process) -> int:
    """Return a process's proportional set size where the platform gives it, else its RSS."""
    try:
        return process.memory_full_info().pss
    except AttributeError:
        return process.memory_info().rss


def main() -> int:
    """Parse the arguments, run the load, print the report; return 1 on any error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to load (default 30)")
    parser.add_argument("--index", type=Path, help="index folder (default: the configured one)")
    parser.add_argument("--corpus", type=Path, help="corpus folder (default: the configured one)")
    parser.add_argument("--slow", type=int, default=0,
                        help="slow connections (idle, half-sent, trickling) held open during the load (default 0)")
    parser.add_argument("--workers", type=int, help="serving processes (default: the server's own default)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--stats", action="store_true",
                        help="turn the question counts on and check they count every answered request")
    args = parser.parse_args()
    report = run(args.clients, args.seconds, args.index, args.corpus, args.stats, args.slow, args.workers)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(
            f"{report['requests']} requests from {report['clients']} clients in {report['seconds']} s: "
            f"{report['requests_per_second']} requests/s; latency p50 {report['p50_ms']} ms, "
            f"p95 {report['p95_ms']} ms, p99 {report['p99_ms']} ms, max {report['max_ms']} ms; "
            f"{report['errors']} errors; server memory {report['server_memory_mb_before']} → "
            f"{report['server_memory_mb']} MB"
            + (f"; {report['slow_connections']} slow connections held open ({report['slow_cut_off']} cut off "
               f"by the server and replaced, {report['slow_refused']} refused)" if args.slow else "")
        )
        for sample in report["error_samples"]:
            print(f"  error: {sample}")
    miscounted = args.stats and report["questions_counted"] != report["requests"] - report["errors"]
    if miscounted:
        print(f"error: {report['questions_counted']} questions counted for {report['requests']} requests")
    slow = args.slow and report["p99_ms"] >= SLOW_P99_LIMIT_MS
    if slow:
        print(f"error: p99 {report['p99_ms']} ms with {args.slow} slow connections open (limit {SLOW_P99_LIMIT_MS} ms)")
    failed = report["errors"] or report["server_tracebacks"] or not report["requests"] or miscounted or slow
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
