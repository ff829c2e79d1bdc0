"""Helpers for the reliability, security and privacy tests: real subprocesses and servers."""

from __future__ import annotations

import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"

WORDS = (
    "youth family school police worker community partner meeting referral plan support "
    "trust network project funding training region city agency service parent mentor "
    "jeunes famille école policier intervenant communauté partenaire rencontre référence "
    "plan soutien confiance réseau projet financement formation région ville organisme"
).split()


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    """Return an environment for a CLI subprocess living entirely under `home`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ASSISTANT_")}
    env.update(
        ASSISTANT_HOME=str(home),
        HOME=str(home),
        TMPDIR=str(home),
        PYTHONDONTWRITEBYTECODE="1",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    env.update(extra)
    return env


def run_cli(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `assistant ARGS` in a real subprocess and return what it did."""
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=env.get("HOME", str(REPO)),
    )


def write_generated_text(path: Path, paragraphs: int, seed: int) -> None:
    """Write a text file of distinct paragraphs, so that each needs embedding."""
    rng = random.Random(seed)
    lines = [f"# Generated notes {seed}", ""]
    for number in range(paragraphs):
        words = " ".join(rng.choice(WORDS) for _ in range(25))
        lines += [f"Paragraph {seed}-{number}: {words}.", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    """Wait until `url` answers; fail early if the server process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _, err = process.communicate()
            raise AssertionError(f"the server exited with {process.returncode} before answering: {str(err)[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def start_serve(*args: str, env: dict[str, str], timeout: float = 120) -> tuple[subprocess.Popen, str, list[str]]:
    """Start `assistant ARGS serve --port 0`; return it, its address and its stderr lines (kept read)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", *args, "serve", "--port", "0"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=env.get("HOME"),
    )
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line and process.poll() is not None:
            break
        lines.append(line)
        found = re.search(r"Serving the assistant on (http://127\.0\.0\.1:\d+)/", line)
        if found:
            threading.Thread(target=lambda: lines.extend(process.stderr), daemon=True).start()
            return process, found.group(1), lines
    process.kill()
    process.wait()
    raise AssertionError("the server did not start: " + "".join(lines)[-2000:])


def stop_serve(process: subprocess.Popen, lines: list[str]) -> str:
    """Stop a server from start_serve and return all it wrote on stderr."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    time.sleep(0.1)  # let the reading thread take the last lines
    return "".join(lines)


def stop(process: subprocess.Popen) -> tuple[str, str]:
    """Stop a server subprocess started by a test and return its stdout and stderr."""
    if process.poll() is None:
        process.terminate()
    try:
        out, err = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    return out or "", err or ""
