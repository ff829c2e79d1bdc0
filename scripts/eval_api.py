#!/usr/bin/env python3
"""Score a questions file through the HTTP API of a real server, and time each question.

Each question of a file in the format of shared/eval/README.md (with an optional "context"
list: the conversation's earlier questions, oldest first) is POSTed to /api/ask with k=10;
the answer's passages, `answerable` and `confidence` are judged by assistant.eval, so the
table is the one `assistant eval` prints (recall@k, MRR@10, confidence by answerable and
no-answer), measured on the JSON a client receives. Client-side latency (mean, p95) is the
time per question a user of the API waits.

    python scripts/eval_api.py ../shared/eval/dev.jsonl                 # starts a server on ./index
    python scripts/eval_api.py FILE --index /path/to/index --json
    python scripts/eval_api.py FILE --url http://127.0.0.1:8000         # a server already running

Without --url a server is started with assistant.harness.start_server (on --index, or the
configured index) and stopped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from assistant.eval import EvalFileProblem, Outcome, Report, format_table, judge_passages, load_questions, score
from assistant.harness import start_server, stop_server

K = 10
RETRIEVER = "api"
REQUEST_TIMEOUT = 60.0


class ApiProblem(RuntimeError):
    """The server answered something other than a 200 JSON answer."""


@dataclass(frozen=True)
class ApiRun:
    """The scores of a file asked through the API, and the time each question took."""

    report: Report
    seconds: tuple[float, ...]
    contract_breaks: tuple[str, ...]  # ids whose answerable is not (confidence != "low")

    def latency(self) -> dict[str, float]:
        """Return the mean and 95th percentile of the client-side time per question, in ms."""
        ordered = sorted(self.seconds)
        p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] if ordered else 0.0
        mean = sum(ordered) / len(ordered) if ordered else 0.0
        return {"questions": len(ordered), "mean_ms": round(mean * 1000, 1), "p95_ms": round(p95 * 1000, 1)}


def read_contexts(path: Path) -> list[tuple[str, ...]]:
    """Return each question's "context" (earlier questions), in the order load_questions reads them."""
    contexts = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            value = json.loads(line).get("context") or ()
            contexts.append(tuple(str(item) for item in value))
    return contexts


def post_question(connection: http.client.HTTPConnection, question: str, context: Sequence[str], k: int = K
                  ) -> dict:
    """POST one question (and its context, if any) to /api/ask; return the JSON answer."""
    body: dict[str, object] = {"question": question, "k": k}
    if context:
        body["context"] = list(context)
    connection.request("POST", "/api/ask", body=json.dumps(body).encode("utf-8"),
                       headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    payload = response.read()
    if response.status != 200:
        raise ApiProblem(f"POST /api/ask answered {response.status} to {question!r}: {payload[:300]!r}")
    return json.loads(payload)


def evaluate_api(url: str, path: Path, k: int = K) -> ApiRun:
    """Ask every question of a file through the API at `url`; return the scores and timings."""
    questions = load_questions(path)
    contexts = read_contexts(path)
    connection = http.client.HTTPConnection(urlsplit(url).netloc, timeout=REQUEST_TIMEOUT)
    outcomes: list[Outcome] = []
    seconds = []
    breaks = []
    try:
        for question, context in zip(questions, contexts, strict=True):
            begun = time.perf_counter()
            answer = post_question(connection, question.question, context, k)
            seconds.append(time.perf_counter() - begun)
            texts = [passage["text"] for passage in answer["passages"]]
            # A server older than issue 12 says "answerable" alone: its confidence stays "".
            confidence = answer.get("confidence", "")
            outcomes.append(judge_passages(question, texts, answer["answerable"], confidence))
            if confidence and answer["answerable"] != (confidence != "low"):
                breaks.append(question.question_id)
    finally:
        connection.close()
    return ApiRun(report=score(outcomes, RETRIEVER, k), seconds=tuple(seconds), contract_breaks=tuple(breaks))


def run_to_dict(path: Path, run: ApiRun) -> dict:
    """Return a run as JSON-ready data: the report of `assistant eval --json`, with latency."""
    return {"file": str(path), "k": run.report.k, "latency": run.latency(),
            "contract_breaks": list(run.contract_breaks), "report": run.report.to_dict()}


def format_run(path: Path, run: ApiRun) -> str:
    """Return the table `assistant eval` prints, with the latency below."""
    latency = run.latency()
    lines = [f"{len(run.report.outcomes)} questions from {path.name}, k={run.report.k}, through the HTTP API\n",
             format_table([run.report]),
             f"\nlatency per question (client side): mean {latency['mean_ms']:.1f} ms, "
             f"p95 {latency['p95_ms']:.1f} ms"]
    if run.contract_breaks:
        lines.append(f"answerable != (confidence != low) for: {', '.join(run.contract_breaks)}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path, help="questions files (JSON lines, dev.jsonl format)")
    parser.add_argument("--url", help="a running server (default: start one)")
    parser.add_argument("--index", type=Path, help="index folder for the server started (default: configured)")
    parser.add_argument("--k", type=int, default=K, help=f"passages per question (default {K})")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = parser.parse_args(argv)
    server = None
    url = args.url
    try:
        if url is None:
            server_args = ["--index", str(args.index)] if args.index else []
            server, url = start_server(server_args, serve_args=["--host", "127.0.0.1"])
        runs = [(path, evaluate_api(url, path, args.k)) for path in args.files]
    except (EvalFileProblem, ApiProblem, OSError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        if server is not None:
            stop_server(server)
    if args.json:
        print(json.dumps([run_to_dict(path, run) for path, run in runs], ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(format_run(path, run) for path, run in runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
