"""Opt-in anonymous counts of questions per language and of unanswered ones, never their text.

Trainers turn it on (ASSISTANT_STATS=1) to see where the documents leave workers without an
answer. The counts live in `stats.json` beside the index; nothing else about a question is
kept: not its words, not its time, not who asked.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from contextlib import contextmanager
from datetime import date
from pathlib import Path

log = logging.getLogger(__name__)

STATS_FILE = "stats.json"
LANGUAGES = ("fr", "en")
_lock = threading.Lock()


def stats_path(index_dir: Path) -> Path:
    """Return where the counts of an index are kept."""
    return Path(index_dir) / STATS_FILE


def empty_stats() -> dict:
    """Return counts with nothing counted yet."""
    return {
        "questions": 0,
        "unanswered": 0,
        "by_language": {lang: {"questions": 0, "unanswered": 0} for lang in (*LANGUAGES, "other")},
        "since": date.today().isoformat(),
    }


def read_stats(index_dir: Path) -> dict:
    """Return the counts kept for an index (empty ones when there are none or they are unreadable)."""
    counts = empty_stats()
    try:
        saved = json.loads(stats_path(index_dir).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return counts
    except (OSError, ValueError) as error:
        log.warning("the question counts in %s are unreadable (%s): starting again", index_dir, error)
        return counts
    if not isinstance(saved, dict):
        return counts
    for key in ("questions", "unanswered"):
        counts[key] = _count(saved.get(key))
    by_language = saved.get("by_language") if isinstance(saved.get("by_language"), dict) else {}
    for lang, values in counts["by_language"].items():
        found = by_language.get(lang) if isinstance(by_language.get(lang), dict) else {}
        for key in values:
            values[key] = _count(found.get(key))
    if isinstance(saved.get("since"), str):
        counts["since"] = saved["since"][:10]
    return counts


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def record_question(index_dir: Path, lang: str, answered: bool) -> None:
    """Count one question: its language and whether the documents answered it, nothing more.

    A failure to write is logged and swallowed: counting must never stop an answer.
    """
    bucket = lang if lang in LANGUAGES else "other"
    try:
        with _lock, _file_lock(stats_path(index_dir)):
            counts = read_stats(index_dir)
            counts["questions"] += 1
            counts["by_language"][bucket]["questions"] += 1
            if not answered:
                counts["unanswered"] += 1
                counts["by_language"][bucket]["unanswered"] += 1
            _write_atomically(stats_path(index_dir), counts)
    except OSError as error:
        log.warning("could not update the question counts in %s: %s", index_dir, error.strerror or error)


def reset_stats(index_dir: Path) -> None:
    """Forget every count."""
    with _lock, _file_lock(stats_path(index_dir)):
        stats_path(index_dir).unlink(missing_ok=True)


@contextmanager
def _file_lock(path: Path):
    """Hold an exclusive lock shared with other processes (a CLI run beside the server)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: the thread lock is all there is
        yield
        return
    with open(path.with_name(path.name + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomically(path: Path, counts: dict) -> None:
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(json.dumps(counts, indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
