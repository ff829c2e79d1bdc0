"""Measure the chat page: time from `assistant serve` to the first answer, page weight, /api/ask latency.

    .venv/bin/python scripts/measure_web.py [--requests 50] [--fresh]

Starts `assistant serve` on a free port of 127.0.0.1 (with --fresh, on a copy of the bundled
corpus with no index, so the time includes building it), asks once it announces its address,
weighs the page (HTML, CSS and every JavaScript module it imports), then times POST /api/ask.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from assistant.harness import SAMPLE_QUESTIONS, ServerDidNotStart, start_server, stop_server

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = SAMPLE_QUESTIONS


def post_ask(base: str, question: str, k: int = 5) -> dict:
    request = urllib.request.Request(
        base + "/api/ask",
        data=json.dumps({"question": question, "k": k}).encode("utf-8"),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def fetch(base: str, path: str) -> bytes:
    with urllib.request.urlopen(base + path, timeout=30) as response:
        return response.read()


def page_weight(base: str) -> dict[str, int]:
    """Return the bytes of the page's HTML, its stylesheets and its script modules (imports followed)."""
    html = fetch(base, "/").decode("utf-8")
    sizes = {"html": len(html.encode("utf-8")), "css": 0, "js": 0}
    for href in re.findall(r'<link rel="stylesheet" href="([^"]+)"', html):
        sizes["css"] += len(fetch(base, href))
    pending = re.findall(r'<script[^>]+src="([^"]+)"', html)
    seen: set[str] = set()
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        source = fetch(base, path)
        sizes["js"] += len(source)
        folder = path.rsplit("/", 1)[0]
        for name in re.findall(rb'(?:import|from)\s*[(]?\s*"\./([\w./-]+\.js)"', source):
            pending.append(f"{folder}/{name.decode()}")
    sizes["files_js"] = len(seen)
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50, help="POST /api/ask requests to time")
    parser.add_argument("--fresh", action="store_true", help="start with no index (time includes building it)")
    options = parser.parse_args()

    environment = dict(os.environ)
    scratch = None
    if options.fresh:
        scratch = Path(tempfile.mkdtemp(prefix="measure-web-"))
        shutil.copytree(REPO / "corpus", scratch / "corpus")
        environment["ASSISTANT_HOME"] = str(scratch)
    started = time.perf_counter()
    try:
        server, base = start_server(env=environment, cwd=REPO, timeout=300)
    except ServerDidNotStart as error:
        sys.exit(str(error))
    try:
        post_ask(base, QUESTIONS[0])
        first_answer = time.perf_counter() - started
        weight = page_weight(base)
        latencies = []
        for number in range(options.requests):
            began = time.perf_counter()
            post_ask(base, QUESTIONS[number % len(QUESTIONS)])
            latencies.append((time.perf_counter() - began) * 1000)
    finally:
        stop_server(server, timeout=30)
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    latencies.sort()
    print(f"serve → first answer: {first_answer:.2f} s{' (index built first)' if options.fresh else ''}")
    print(
        f"page weight: {weight['html'] + weight['css'] + weight['js']} bytes "
        f"(HTML {weight['html']}, CSS {weight['css']}, JS {weight['js']} in {weight['files_js']} modules)"
    )
    print(
        f"/api/ask over {len(latencies)} requests: median {statistics.median(latencies):.1f} ms, "
        f"p95 {latencies[int(0.95 * (len(latencies) - 1))]:.1f} ms, max {latencies[-1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
