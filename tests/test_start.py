"""`assistant serve`'s start: what a serving process imports (the build's tools cost its start time)."""

from __future__ import annotations

import http.client
import json
import os
from urllib.parse import urlsplit

from assistant.harness import READY_LINE, start_server, stop_server

# Imported by building an index only: bm25s (and scipy with it) index passages, tqdm shows
# progress. A saved keyword index is read without bm25s (assistant.index.stored_keyword).
BUILD_ONLY = ("bm25s", "scipy", "tqdm")


def imported(lines: list[str]) -> set[str]:
    """Return the top-level modules named in -X importtime's lines."""
    names = set()
    for line in lines:
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            names.add(name.split(".")[0])
    return names


def test_serving_and_answering_imports_none_of_the_builds_tools(bundled_index_dir):
    from tests.conftest import CORPUS

    env = {key: value for key, value in os.environ.items() if key != "ASSISTANT_STATS"}
    env |= {"ASSISTANT_INDEX": str(bundled_index_dir), "ASSISTANT_CORPUS": str(CORPUS), "PYTHONPROFILEIMPORTTIME": "1"}
    log: list[str] = []
    server, url = start_server(env=env, serve_args=["--host", "127.0.0.1", "--workers", "2"], log=log)
    try:
        connection = http.client.HTTPConnection(urlsplit(url).netloc, timeout=30)
        for question in ("Comment travailler avec la police?", "How do I report a child at risk?"):
            body = json.dumps({"question": question, "k": 3}).encode()
            connection.request("POST", "/api/ask", body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            assert response.status == 200 and json.loads(response.read())["passages"]
        connection.close()
    finally:
        stop_server(server, timeout=10)
    assert any(READY_LINE in line for line in log)
    names = imported(log)
    assert {"faiss", "flask", "numpy", "waitress"} <= names  # the lines were read: what serving needs is there
    assert names.isdisjoint(BUILD_ONLY), sorted(names & set(BUILD_ONLY))


COUNT_PASSES = """
import gc, json, sys
passes = []
gc.callbacks.append(lambda phase, info: phase == "start" and passes.append(info["generation"]))
import assistant.__main__
from assistant import load_settings, prepare_searcher
imported = len(passes)
prepared = prepare_searcher(load_settings())
print(json.dumps({"imports": imported, "opening": len(passes) - imported, "enabled": gc.isenabled(),
                  "answered": bool(prepared.searcher.ask("police", k=1).hits)}))
"""


def test_a_start_makes_almost_no_garbage_collector_pass_and_leaves_it_on(bundled_index_dir):
    """Importing and opening the index make objects that live on: the collector is paused meanwhile."""
    import subprocess
    import sys

    from tests.conftest import CORPUS

    env = dict(os.environ, ASSISTANT_INDEX=str(bundled_index_dir), ASSISTANT_CORPUS=str(CORPUS))
    done = subprocess.run([sys.executable, "-c", COUNT_PASSES], env=env, capture_output=True, text=True, timeout=120,
                          check=True)
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    assert counts["enabled"] and counts["answered"]
    assert counts["imports"] <= 5 and counts["opening"] <= 5, counts  # ~170 and ~20 passes when it runs


def test_paused_collection_restores_the_collector_as_it_was():
    import gc

    from assistant.startup import paused_collection

    assert gc.isenabled()
    with paused_collection():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_collection():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()
