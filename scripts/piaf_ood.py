#!/usr/bin/env python3
"""Turn PIAF questions into out-of-domain "no-answer" questions, at run time, never in the repo.

PIAF (DINUM/Etalab, MIT licence) holds French questions about French Wikipedia articles;
none of them is answered by the corpus, so each makes a realistic out-of-domain question in
the evaluation format of shared/eval/README.md (kind "no-answer", no evidence, no docs).
PIAF stays where it is (by default ../shared/external/piaf beside the repo; --piaf or
$ASSISTANT_PIAF to point elsewhere): this script selects questions from it and prints JSON
lines, or writes them to a file outside the repository, so that no PIAF text is committed.

    python scripts/piaf_ood.py --count 200 --out /tmp/piaf-ood.jsonl
    assistant eval /tmp/piaf-ood.jsonl

The selection is deterministic: questions are ordered by a hash of (seed, PIAF id) and the
first --count kept, so a run with the same file, count and seed gives the same questions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PIAF = REPO.parent / "shared" / "external" / "piaf"
ENV_VAR = "ASSISTANT_PIAF"
DEFAULT_COUNT = 200
DEFAULT_SEED = 12
MIN_WORDS = 4  # shorter PIAF questions are often fragments ("En quelle année ?")


class PiafProblem(ValueError):
    """The PIAF file cannot be found or read, or the output path is not allowed."""


def piaf_file(path: Path | None = None) -> Path:
    """Return the PIAF JSON file: `path` (a file or a folder holding one), $ASSISTANT_PIAF, or the default."""
    chosen = Path(path or os.environ.get(ENV_VAR) or DEFAULT_PIAF)
    if chosen.is_dir():
        found = sorted(chosen.glob("piaf*.json"))
        if not found:
            raise PiafProblem(f"no piaf*.json file in {chosen}")
        return found[-1]
    if not chosen.is_file():
        raise PiafProblem(f"PIAF not found at {chosen} (give --piaf or set {ENV_VAR})")
    return chosen


def piaf_questions(path: Path) -> Iterator[tuple[str, str, str]]:
    """Yield (PIAF id, question, article title) from a PIAF file in the SQuAD format."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PiafProblem(f"cannot read {path}: {error}") from error
    for article in data.get("data", []):
        for paragraph in article.get("paragraphs", []):
            for qa in paragraph.get("qas", []):
                question = " ".join(str(qa.get("question", "")).split())
                if qa.get("id") and question:
                    yield str(qa["id"]), question, str(article.get("title", ""))


def _order(seed: int, piaf_id: str) -> str:
    return hashlib.sha256(f"{seed}:{piaf_id}".encode()).hexdigest()


def select_ood(path: Path | None = None, count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED) -> list[dict]:
    """Return `count` PIAF questions as no-answer evaluation items, the same ones for the same seed."""
    if count < 1:
        raise PiafProblem("count must be at least 1")
    seen: set[str] = set()
    candidates = []
    for piaf_id, question, title in piaf_questions(piaf_file(path)):
        key = question.lower()
        if len(question.split()) < MIN_WORDS or key in seen:
            continue
        seen.add(key)
        candidates.append((_order(seed, piaf_id), piaf_id, question, title))
    candidates.sort()
    return [
        {"id": f"piaf-{piaf_id}", "question": question, "lang": "fr", "kind": "no-answer",
         "evidence": [], "docs": [], "style": "long", "source": "piaf", "title": title}
        for _, piaf_id, question, title in candidates[:count]
    ]


def write_jsonl(items: list[dict], out: Path | None) -> None:
    """Print the items as JSON lines, or write them to `out`, which must lie outside the repository."""
    lines = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    if out is None:
        sys.stdout.write(lines)
        return
    target = Path(out).resolve()
    if target == REPO or REPO in target.parents:
        raise PiafProblem(f"{out} is inside the repository: PIAF questions are never committed")
    target.write_text(lines, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--piaf", type=Path, help=f"PIAF JSON file or folder (default ${ENV_VAR} or {DEFAULT_PIAF})")
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="how many questions (default %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="selection seed (default %(default)s)")
    parser.add_argument("--out", type=Path, help="write to this file (outside the repository) instead of stdout")
    args = parser.parse_args(argv)
    try:
        write_jsonl(select_ood(args.piaf, args.count, args.seed), args.out)
    except PiafProblem as problem:
        print(f"piaf_ood: {problem}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
