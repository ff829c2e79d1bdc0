#!/usr/bin/env python
"""Where one question's HTTP round trip goes: wall ms per stage of POST /api/ask, median over questions.

    .venv/bin/python scripts/profile_request.py [--index DIR] [--repeat 10] [--json]

Serves the application with waitress on a free port of 127.0.0.1 in this process (as
`assistant serve --workers 1` does, threads and limits included) and asks the timing
questions one after another on one kept-alive connection. Each stage is timed where it
runs, by wrapping the function that does it; "inbound" runs from the client's send to the
application's start (socket, waitress's parsing, the hand-over to a worker thread) and
"outbound" from the application's end to the client holding the answer. Stages nest: the
search's stages are part of "search", which is part of "application". Medians do not add up
exactly: on a busy machine the round trip's median is above the sum of the stages' medians.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from assistant import limit_search_threads, load_settings
from assistant.harness import TIMING_QUESTIONS

# (label, depth in the table, object path from the module globals below, attribute)
STAGES = (
    ("application (WSGI)", 0, "app", "wsgi_app"),
    ("language of the interface", 1, "fast", "chosen_language"),
    ("JSON body", 1, "api", "parse_json_body"),
    ("checks (parse_ask)", 1, "api", "parse_ask"),
    ("search (answer_question)", 1, "api", "answer_question"),
    ("question analysis", 2, "searcher.analyser", "analyse"),
    ("encoding", 3, "searcher.analyser", "_encode"),
    ("lexicon translations", 3, "searcher.analyser.lexicon", "translations_by_word"),
    ("dense search", 2, "searcher.dense", "search"),
    ("keyword scores", 2, "searcher.keyword", "scores"),
    ("fusion", 2, "searcher", "_fuse"),
    ("hits and highlights", 2, "searcher_module", "select_hits"),
    ("strength", 2, "searcher_module", "assess"),
    ("answer dict", 1, "api", "answer_to_dict"),
    ("JSON response", 1, "app.json", "dumps"),
)


def _timed(function: Callable, label: str, times: dict[str, list[float]], marks: dict[str, float]) -> Callable:
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            ended = time.perf_counter()
            times[label].append(ended - started)
            marks[label] = ended
            marks[label + ":start"] = started

    return wrapper


def profile(index: Path | None, repeat: int) -> dict[str, float]:
    """Return the median ms of each stage (and inbound, outbound, round trip) over repeat × the questions."""
    from assistant.search import searcher as searcher_module
    from assistant.web import api, fast_ask
    from assistant.web.app import create_app
    from assistant.web.serve import make_server
    from assistant.web.state import close_state, live_searcher

    if index:
        os.environ["ASSISTANT_INDEX"] = str(index)
    limit_search_threads()
    app = create_app({"SETTINGS": load_settings()})
    searcher = live_searcher(app).current
    # select_hits and assess are wrapped where the searcher calls them: in its own module.
    # POST /api/ask is answered by assistant.web.fast_ask (Flask's view only for refusals and errors).
    owners = {"app": app, "api": api, "fast": fast_ask, "searcher": searcher, "searcher_module": searcher_module}
    times: dict[str, list[float]] = defaultdict(list)
    marks: dict[str, float] = {}
    for label, _, path, name in STAGES:
        head, *rest = path.split(".")
        owner = owners[head]
        for part in rest:
            owner = getattr(owner, part)
        if owner is not None:
            setattr(owner, name, _timed(getattr(owner, name), label, times, marks))
    server = make_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    connection = http.client.HTTPConnection(f"127.0.0.1:{server.effective_port}", timeout=30)
    bodies = [json.dumps({"question": question, "k": 5}).encode() for question in TIMING_QUESTIONS]
    edges: dict[str, list[float]] = defaultdict(list)
    try:
        for round_number in range(repeat + 1):  # the first round warms up and is not counted
            if round_number == 1:
                times.clear()
            for body in bodies:
                sent = time.perf_counter()
                connection.request("POST", "/api/ask", body=body, headers={"Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
                received = time.perf_counter()
                if response.status != 200:
                    raise RuntimeError(f"POST /api/ask answered {response.status}")
                if round_number:
                    edges["inbound"].append(marks["application (WSGI):start"] - sent)
                    edges["outbound"].append(received - marks["application (WSGI)"])
                    edges["round trip"].append(received - sent)
    finally:
        connection.close()
        server.task_dispatcher.shutdown()
        server.trigger.pull_trigger(lambda: [channel.close() for channel in list(server._map.values())])
        thread.join(timeout=10)
        close_state(app)
    result = {label: statistics.median(times[label]) * 1000 for label, *_ in STAGES if times[label]}
    return result | {name: statistics.median(values) * 1000 for name, values in edges.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="index folder (default: ASSISTANT_INDEX or ./index)")
    parser.add_argument("--repeat", type=int, default=10, help="rounds of the timing questions")
    parser.add_argument("--json", action="store_true", help="print the medians as JSON")
    args = parser.parse_args()
    result = profile(args.index, args.repeat)
    if args.json:
        print(json.dumps({name: round(value, 3) for name, value in result.items()}))
        return
    depth = {label: level for label, level, *_ in STAGES}
    for name, value in result.items():
        print(f"{'  ' * depth.get(name, 0)}{name:<{34 - 2 * depth.get(name, 0)}} {value:7.3f} ms")


if __name__ == "__main__":
    sys.exit(main())
