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
