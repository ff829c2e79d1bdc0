"""What scripts and tests share to drive the assistant from outside: a server, ports, questions.

`start_server` runs `python -m assistant ... serve --port 0` in a subprocess and returns
once it listens, with the address it announced on its READY_LINE. Nothing here imports
Flask or click: a script can use it without loading the web face. Metrics (recall@k,
MRR) come from assistant.eval.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

# The line `assistant serve` (assistant/web/command.py) prints once listening, followed by
# its address: the one place both sides read it from.
READY_LINE = "Serving the assistant on"
_ADDRESS = re.compile(re.escape(READY_LINE) + r" (http://[^\s/]+)/")
START_TIMEOUT = 180.0

# Questions written by hand about the bundled corpus, in both languages: asked by
# scripts/loadtest.py and scripts/measure_web.py, and by the tests.
SAMPLE_QUESTIONS = (
    "Comment démarrer un partenariat avec la police ?",
    "How do I start a partnership with the police?",
    "Quels sont les avantages des collaborations intersectorielles ?",
    "What are the benefits of cross-sectoral collaboration?",
    "Quels obstacles freinent la collaboration entre organismes ?",
    "How can schools and community organisations work together?",
    "Comment impliquer les jeunes dans un projet ?",
    "What makes a collaboration between sectors last?",
)
# The benchmark's questions (scripts/bench): each is timed, so the list stays as measured.
TIMING_QUESTIONS = (
    "How do I start a partnership with the police?",
    "Comment démarrer un partenariat avec le service de police de mon secteur ?",
    "Why set up a community of practice with other organizations?",
    "Pourquoi échanger de l'information sur un jeune avec l'intervenante d'un autre organisme ?",
    "What are the benefits of cross-sectoral collaboration for youth and families?",
    "Quels sont les bénéfices des collaborations intersectorielles et interrégionales ?",
    "staff turnover",
    "roulement de personnel",
    "How do we keep the larger institution from dominating decisions in a partnership?",
    "Quels obstacles peuvent surgir quand des organismes aux missions différentes collaborent ?",
    "Should partners agree on a common definition of sexual exploitation?",
    "Faut-il se doter d'un plan d'action commun et clarifier les rôles de chacun ?",
    "What makes communication between partners work well?",
    "Comment partager les coûts d'une formation ou d'un local avec nos partenaires ?",
    "Which girls is the Cré-Actions workshop meant for?",
    "Qu'est-ce qu'on peut réaliser à plusieurs organismes qu'aucun n'arriverait à faire seul ?",
    "memorandum of understanding",
    "entente de collaboration",
    "How can an Aire ouverte team work with community organizations?",
    "De quoi dépend le sentiment d'appartenance des partenaires ?",
)


class ServerProcess(subprocess.Popen):
    """A server subprocess, with the thread reading its standard error."""

    reader: threading.Thread | None = None


class ServerDidNotStart(RuntimeError):
    """The server exited, or said nothing of listening, before the time was up."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_address(text: str) -> str | None:
    """Return the address (http://host:port, no final slash) a READY_LINE in text announces, or None."""
    found = _ADDRESS.search(text)
    return found.group(1) if found else None


def start_server(
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    *,
    serve_args: Sequence[str] = (),
    prefix: Sequence[str] = (),
    cwd: str | Path | None = None,
    log: list[str] | None = None,
    timeout: float = START_TIMEOUT,
) -> tuple[subprocess.Popen, str]:
    """Start `[prefix] python -m assistant ARGS serve SERVE_ARGS --port 0`; return it and its address.

    Its standard error is read all along (so the server never blocks on a full pipe) into
    `log` when given, the lines before the address included. Raise ServerDidNotStart with
    what it said when it exits or stays silent for `timeout` seconds.
    """
    lines = log if log is not None else []
    process = ServerProcess(
        [*prefix, sys.executable, "-m", "assistant", *args, "serve", *serve_args, "--port", "0"],
        env=None if env is None else dict(env), cwd=cwd, text=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    found: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in process.stderr:
            lines.append(line)
            if not found and (address := server_address(line)):
                found.append(address)
                ready.set()
        ready.set()  # the pipe closed: the server is gone

    process.reader = threading.Thread(target=read, daemon=True)
    process.reader.start()
    ready.wait(timeout)
    if found:
        return process, found[0]
    stop_server(process)
    raise ServerDidNotStart("the server did not start: " + "".join(lines)[-2000:])


def stop_server(process: subprocess.Popen, timeout: float = 20) -> int:
    """Stop a server (SIGTERM, then SIGKILL after `timeout` s); return its exit code."""
    if process.poll() is None:
        process.terminate()
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        code = process.wait()
    reader = getattr(process, "reader", None)
    if reader is not None:
        reader.join(timeout=5)  # it ends at the end of the pipe: the last lines are in the log
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None and (reader is None or not reader.is_alive()):
            stream.close()
    return code
