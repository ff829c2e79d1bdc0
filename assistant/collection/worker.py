"""`python -m assistant.collection.worker CORPUS INDEX ENCODER`: one build, its progress as JSON lines.

The build runs in its own process so that a crash or a kill costs the build only: the
server that started it keeps answering from the index it has (save_index switches
manifest.json last). Each stdout line is {"stage", "done", "total"}, then a last line
{"report": …} (exit 0) or {"error": …} (exit 2).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from assistant.build import BuildReport, build_index
from assistant.errors import UserError

EVERY = 0.2  # seconds between progress lines of the same stage


def report_to_dict(report: BuildReport) -> dict[str, object]:
    """Return what a build did as JSON-ready data: counts, files added, changed, removed, skipped and why."""
    return {
        "documents": report.documents,
        "passages": report.passages,
        "embedded": report.embedded,
        "reused": report.reused,
        "added": report.added_files,
        "changed": report.changed_files,
        "removed": report.removed_files,
        "skipped": [{"file": problem.path, "reason": problem.reason} for problem in report.problems],
        "seconds": round(report.seconds, 2),
        "build": report.manifest.build if report.manifest else None,
    }


def _emit(data: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def run(corpus_dir: Path, index_dir: Path, encoder: str) -> int:
    """Build the index, printing progress and the report as JSON lines; return the exit code."""
    last: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - last.get(stage, 0.0) < EVERY:
            return
        last[stage] = now
        _emit({"stage": stage, "done": done, "total": total})

    try:
        report = build_index(corpus_dir, index_dir, encoder, on_progress=progress)
    except UserError as error:
        _emit({"error": str(error)})
        return 2
    except OSError as error:
        _emit({"error": f"could not write the index in {index_dir}: {error.strerror or error}"})
        return 2
    _emit({"report": report_to_dict(report)})
    return 0


if __name__ == "__main__":  # pragma: no cover - run by assistant.collection.jobs
    sys.exit(run(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]))
