"""Helpers for the reliability, security and privacy tests: real subprocesses.

Servers are started and stopped with assistant.harness (start_server, stop_server).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

from assistant.embed.use_weights import default_cache_dir

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
        # The encoder's unpacked weights (not anyone's data) are shared with this process:
        # each subprocess would otherwise unpack its own 80 MB copy under its home.
        ASSISTANT_CACHE=str(default_cache_dir()),
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
