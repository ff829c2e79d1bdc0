"""The benchmark's targets, its Markdown table and its plot."""

from __future__ import annotations

from pathlib import Path


def _size(results: dict, passages: int) -> dict | None:
    for entry in results["sizes"]:
        if entry["label"] == str(passages):
            return entry
    return None


def _get(entry: dict | None, *path: str):
    for key in path:
        if not isinstance(entry, dict) or key not in entry:
            return None
        entry = entry[key]
    return entry


def _target(name: str, value, limit: float, at_most: bool, unit: str) -> dict:
    met = None if value is None else (value <= limit if at_most else value >= limit)
    return {"target": name, "value": value, "limit": limit, "unit": unit, "at_most": at_most, "met": met}


def speedup(entry: dict | None, percentile: str = "p50", baseline: str = "dense") -> float | None:
    """Return how many times faster our hybrid answer is than the baseline's, or None.

    Against the baseline on one thread, ours on one thread too (from 50,000 passages a
    question's keyword side otherwise runs beside FAISS on a second thread).
    """
    ours_key = "hybrid_one_thread" if baseline == "dense_one_thread" else "hybrid"
    ours = _get(entry, "search", "latency_ms", ours_key, percentile) or (
        _get(entry, "search", "latency_ms", "hybrid", percentile) if ours_key != "hybrid" else None)
    theirs = _get(entry, "baseline", "latency_ms", baseline, percentile)
    return None if not ours or theirs is None else round(theirs / ours, 2)


def targets(results: dict) -> list[dict]:
    """Return each target of issue 6 with the measured value and whether it is met (None: not measured)."""
    at_10k, at_100k = _size(results, 10_000), _size(results, 100_000)
    largest = max(results["sizes"], key=lambda entry: _get(entry, "ingest", "passages") or 0, default=None)
    recalls = [value for entry in results["sizes"] if (value := _get(entry, "search", "recall_at_10")) is not None]
    return [
        _target("hybrid p95 at 10k", _get(at_10k, "search", "latency_ms", "hybrid", "p95"), 10, True, "ms"),
        _target("hybrid p95 at 100k", _get(at_100k, "search", "latency_ms", "hybrid", "p95"), 30, True, "ms"),
        _target("HTTP /api/ask p95 at 10k", _get(at_10k, "http", "latency_ms", "p95"), 30, True, "ms"),
        _target("serve → first answer, bundled corpus", _get(results, "bundled", "http", "first_answer_s"), 2, True,
                "s"),
        _target("peak RSS at 100k", _get(at_100k, "search", "peak_rss_mb"), 500, True, "MB"),
        _target(f"ingest at {_get(largest, 'label') or '?'}", _get(largest, "ingest", "passages_per_second"), 200,
                False, "passages/s"),
        _target("approximate recall@10", min(recalls) if recalls else None, 0.98, False, ""),
        _target("baseline p50 / ours (hybrid) at 10k", speedup(at_10k), 3, False, "×"),
    ]


def throughput(results: dict, workers: int) -> float | None:
    """Return the requests/s of 8 clients against `workers` serving processes, or None."""
    for run in _get(results, "bundled", "throughput") or []:
        if run.get("workers") == workers:
            return run.get("requests_per_second")
    return None


def speed_targets(results: dict) -> list[dict]:
    """Return each target of issue 15 with the measured value and whether it is met (None: not measured)."""
    at_10k, at_100k = _size(results, 10_000), _size(results, 100_000)
    recalls = [value for entry in results["sizes"] if (value := _get(entry, "search", "recall_at_10")) is not None]
    return [
        _target("HTTP p50, bundled corpus", _get(results, "bundled", "http", "latency_ms", "p50"), 3.5, True, "ms"),
        _target("HTTP p50 at 100k", _get(at_100k, "http", "latency_ms", "p50"), 5, True, "ms"),
        _target("requests/s, 8 clients, 2 workers", throughput(results, 2), 300, False, "/s"),
        _target("server ready at 100k", _get(at_100k, "http", "ready_s"), 1, True, "s"),
        _target("ingest peak RSS at 100k", _get(at_100k, "ingest", "peak_rss_mb"), 500, True, "MB"),
        _target("speed-up vs baseline, same threads, 10k", speedup(at_10k, baseline="dense_one_thread"), 5, False,
                "×"),
        _target("speed-up vs baseline, same threads, 100k", speedup(at_100k, baseline="dense_one_thread"), 5,
                False, "×"),
        _target("HNSW recall@10", min(recalls) if recalls else None, 0.98, False, ""),
    ]


def _cell(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def render_markdown(results: dict) -> str:
    """Return the results as Markdown: one row per corpus size, then the targets."""
    lines = [
        f"Benchmark of {results['started_at']} ({results['machine']['cpus']} CPUs, "
        f"Python {results['machine']['python']}), {results.get('seconds', '?')} s in all; load average "
        f"{results['machine'].get('load_average_at_start')} at the start, "
        f"{results['machine'].get('load_average_at_end')} at the end.",
        "",
        "| passages | ingest (passages/s) | CPU-bound ingest | index (MB) | FAISS | hybrid p50 / p95 / p99 (ms) "
        "| dense p95 | lexical p95 | HTTP p50 / p95 (ms) | peak RSS (MB) | first answer (s) | recall@10 "
        "| recall@10, questions | baseline p50 / p95 (ms) | baseline RSS (MB) | speed-up p50 / p95 "
        "| baseline 1 thread p50 | speed-up p50 |",
        "|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    bundled = results.get("bundled")
    rows = ([("bundled", bundled)] if bundled else []) + [(entry["label"], entry) for entry in results["sizes"]]
    for label, entry in rows:
        hybrid = _get(entry, "search", "latency_ms", "hybrid") or {}
        http = _get(entry, "http", "latency_ms") or {}
        base = _get(entry, "baseline", "latency_ms", "dense") or {}
        faiss = _get(entry, "search", "faiss") or {}
        kind = faiss.get("kind", "–") + (f" ef={faiss['efSearch']}" if "efSearch" in faiss else "")
        lines.append(
            f"| {_get(entry, 'ingest', 'passages') or label} "
            f"| {_cell(_get(entry, 'ingest', 'passages_per_second'), 0)} "
            f"| {_cell(_get(entry, 'ingest', 'cpu_bound_passages_per_second'), 0)} "
            f"| {_cell(_get(entry, 'ingest', 'index_mb'))} | {kind} "
            f"| {_cell(hybrid.get('p50'))} / {_cell(hybrid.get('p95'))} / {_cell(hybrid.get('p99'))} "
            f"| {_cell(_get(entry, 'search', 'latency_ms', 'dense', 'p95'))} "
            f"| {_cell(_get(entry, 'search', 'latency_ms', 'lexical', 'p95'))} "
            f"| {_cell(http.get('p50'))} / {_cell(http.get('p95'))} "
            f"| {_cell(_get(entry, 'search', 'peak_rss_mb'), 0)} "
            f"| {_cell(_get(entry, 'search', 'first_answer_s'), 2)} "
            f"| {_cell(_get(entry, 'search', 'recall_at_10'), 3)} "
            f"| {_cell(_get(entry, 'search', 'recall_at_10_questions'), 3)} "
            f"| {_cell(base.get('p50'))} / {_cell(base.get('p95'))} "
            f"| {_cell(_get(entry, 'baseline', 'peak_rss_mb'), 0)} "
            f"| {_cell(speedup(entry))}× / {_cell(speedup(entry, 'p95'))}× "
            f"| {_cell(_get(entry, 'baseline', 'latency_ms', 'dense_one_thread', 'p50'))} "
            f"| {_cell(speedup(entry, baseline='dense_one_thread'))}× |"
        )
    lines += _server_rows(results)
    lines += ["", "Targets of issue 6:"] + _target_rows(results.get("targets", []))
    lines += ["", "Targets of issue 15:"] + _target_rows(results.get("speed_targets", []))
    lines += ["", "How each figure was taken:", ""]
    lines += [f"- **{name}**: {text}" for name, text in results.get("method", {}).items()]
    return "\n".join(lines) + "\n"


def _server_rows(results: dict) -> list[str]:
    """Return the serving table: ready time and first answer per corpus, requests/s per worker count."""
    bundled = results.get("bundled") or {}
    rows = [("bundled", bundled)] + [(entry["label"], entry) for entry in results["sizes"]]
    lines = ["", "| passages | server ready (s) | first HTTP answer (s) | HTTP p50 / p95 (ms) | baseline 1 thread p50 "
             "(ms) | ours hybrid p50 (ms) | ours 1 thread p50 (ms) |", "|---:|---:|---:|---:|---:|---:|---:|"]
    for label, entry in rows:
        lines.append(
            f"| {_get(entry, 'ingest', 'passages') or label} | {_cell(_get(entry, 'http', 'ready_s'), 2)} "
            f"| {_cell(_get(entry, 'http', 'first_answer_s'), 2)} "
            f"| {_cell(_get(entry, 'http', 'latency_ms', 'p50'))} / {_cell(_get(entry, 'http', 'latency_ms', 'p95'))} "
            f"| {_cell(_get(entry, 'baseline', 'latency_ms', 'dense_one_thread', 'p50'))} "
            f"| {_cell(_get(entry, 'search', 'latency_ms', 'hybrid', 'p50'))} "
            f"| {_cell(_get(entry, 'search', 'latency_ms', 'hybrid_one_thread', 'p50'))} |")
    runs = bundled.get("throughput") or []
    if runs:
        lines += ["", "| workers | clients | requests/s | p50 / p95 (ms) | server memory, PSS (MB) | load average |",
                  "|---:|---:|---:|---:|---:|---|"]
        lines += [f"| {_cell(run.get('workers'))} | {_cell(run.get('clients'))} "
                  f"| {_cell(run.get('requests_per_second'))} "
                  f"| {_cell(run.get('p50_ms'))} / {_cell(run.get('p95_ms'))} "
                  f"| {_cell(run.get('server_memory_mb'), 0)} | {run.get('load_average', '–')} |" for run in runs]
    return lines


def _target_rows(judged: list[dict]) -> list[str]:
    lines = ["", "| target | measured | limit | met |", "|---|---:|---:|---|"]
    for target in judged:
        sign = "≤" if target["at_most"] else "≥"
        met = {True: "yes", False: "**no**", None: "not measured"}[target["met"]]
        lines.append(f"| {target['target']} | {_cell(target['value'], 3)} {target['unit']} "
                     f"| {sign} {target['limit']} {target['unit']} | {met} |")
    return lines


def render_plot(results: dict, path: Path) -> None:
    """Draw latency and peak memory against corpus size, ours against the baseline."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    entries = [entry for entry in results["sizes"] if _get(entry, "ingest", "passages")]
    sizes = [entry["ingest"]["passages"] for entry in entries]
    figure, (latency, memory) = pyplot.subplots(1, 2, figsize=(11, 4.2))
    series = [("ours, hybrid", ("search", "latency_ms", "hybrid", "p95"), "o-"),
              ("ours, dense", ("search", "latency_ms", "dense", "p95"), "s--"),
              ("ours, lexical", ("search", "latency_ms", "lexical", "p95"), "^--"),
              ("ours, HTTP /api/ask", ("http", "latency_ms", "p95"), "d-"),
              ("baseline (MiniLM + flat)", ("baseline", "latency_ms", "dense", "p95"), "x-"),
              ("baseline, one thread", ("baseline", "latency_ms", "dense_one_thread", "p95"), "x:")]
    for name, keys, style in series:
        points = [(size, _get(entry, *keys)) for size, entry in zip(sizes, entries, strict=True)]
        points = [(size, value) for size, value in points if value is not None]
        if points:
            latency.plot(*zip(*points, strict=True), style, label=name)
    latency.set(xscale="log", yscale="log", xlabel="passages", ylabel="p95 latency per question (ms)",
                title="Search latency (p95)")
    latency.grid(True, which="both", alpha=0.3)
    latency.legend(fontsize=8)
    for name, keys, style in [("ours", ("search", "peak_rss_mb"), "o-"),
                              ("baseline", ("baseline", "peak_rss_mb"), "x-")]:
        points = [(size, _get(entry, *keys)) for size, entry in zip(sizes, entries, strict=True)]
        points = [(size, value) for size, value in points if value is not None]
        if points:
            memory.plot(*zip(*points, strict=True), style, label=name)
    memory.axhline(500, color="grey", linestyle=":", label="500 MB target")
    memory.set(xscale="log", xlabel="passages", ylabel="peak RSS (MB)", title="Memory of the searching process")
    memory.grid(True, which="both", alpha=0.3)
    memory.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
