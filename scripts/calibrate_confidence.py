#!/usr/bin/env python3
"""Fit the confidence line (assistant/search/strength.py, CALIBRATIONS) on calibration questions.

    scripts/piaf_ood.py --out /tmp/piaf-ood.jsonl     # PIAF questions as out-of-domain examples
    scripts/calibrate_confidence.py tests/data/confidence/tune.jsonl ../shared/eval/dev.jsonl /tmp/piaf-ood.jsonl

Asks every question of the files (never the held-out one) with the configured index and
encoder, fits a logistic regression of "answerable" on the signals dense, coverage and
missing, chooses the cut-off for "low" that turns away at most --false-low of the
answerable questions and the one for "high" --high-margin above the best score of a
no-answer question, and estimates both shares by repeated 5-fold cross-validation.
Prints the Calibration to paste, and the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from assistant import load_questions, load_settings, open_searcher

FEATURES = ("dense", "coverage", "missing")
L2 = 0.01
STEPS = 5000
RATE = 0.1


def collect(paths: list[Path]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the signals of every question, whether it is answerable, and its forced verdicts.

    The forced verdicts are -1 for "low whatever the score" (a fact asked for is missing),
    +1 for "never low" (every word in a best passage), 0 otherwise.
    """
    rows, labels, forced = [], [], []
    with open_searcher(load_settings()) as searcher:
        for path in paths:
            for question in load_questions(path):
                signals = searcher.ask(question.question, k=10).signals
                rows.append([signals.get(name, 0.0) for name in FEATURES])
                labels.append(question.answerable)
                forced.append(1 if signals.get("all_words") == 1.0 else -1 if signals.get("fact_missing") == 1.0 else 0)
    return np.array(rows), np.array(labels, dtype=float), np.array(forced)


def fit(features: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, float]:
    """Return weights and bias, on the features' own scale, of an L2-regularised logistic regression."""
    mean, spread = features.mean(axis=0), features.std(axis=0) + 1e-9
    scaled = (features - mean) / spread
    weights, bias = np.zeros(features.shape[1]), 0.0
    for _ in range(STEPS):
        error = 1 / (1 + np.exp(-(scaled @ weights + bias))) - labels
        weights -= RATE * (scaled.T @ error / len(labels) + L2 * weights)
        bias -= RATE * error.mean()
    return weights / spread, bias - float((weights * mean / spread).sum())


def low_mask(scores: np.ndarray, forced: np.ndarray, cut: float) -> np.ndarray:
    return ((scores < cut) | (forced == -1)) & (forced != 1)


def low_cut(scores: np.ndarray, labels: np.ndarray, forced: np.ndarray, false_low: float) -> float:
    """Return the highest cut-off that turns away at most `false_low` of the answerable questions."""
    answerable = labels == 1
    best = float(scores.min()) - 1
    for cut in np.linspace(scores.min() - 1, scores.max() + 1, 1001):
        if low_mask(scores, forced, cut)[answerable].mean() <= false_low:
            best = float(cut)
    return best


def cross_validate(features, labels, forced, false_low: float, repeats: int = 10) -> tuple[float, float]:
    """Return the shares of answerable questions turned away and of no-answer ones caught, out of fold."""
    generator = np.random.default_rng(0)
    turned_away, caught = [], []
    for _ in range(repeats):
        order = generator.permutation(len(labels))
        low = np.zeros(len(labels), dtype=bool)
        for fold in np.array_split(order, 5):
            train = np.setdiff1d(order, fold)
            weights, bias = fit(features[train], labels[train])
            scores = features @ weights + bias
            cut = low_cut(scores[train], labels[train], forced[train], false_low)
            low[fold] = low_mask(scores[fold], forced[fold], cut)
        turned_away.append(low[labels == 1].mean())
        caught.append(low[labels == 0].mean())
    return float(np.mean(turned_away)), float(np.mean(caught))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="calibration question files (dev.jsonl format)")
    parser.add_argument("--false-low", type=float, default=0.04, help="answerable share allowed 'low'")
    parser.add_argument("--high-margin", type=float, default=0.5, help="'high' starts this far above no-answer")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    features, labels, forced = collect(args.files)
    weights, bias = fit(features, labels)
    scores = features @ weights + bias
    cut = low_cut(scores, labels, forced, args.false_low)
    low = low_mask(scores, forced, cut)
    reachable = ~low & (labels == 0)
    high_from = float(scores[reachable].max()) + args.high_margin if reachable.any() else float(cut) + 3.0
    turned_away, caught = cross_validate(features, labels, forced, args.false_low)
    result = {
        "questions": int(len(labels)),
        "weights": {name: round(float(value), 3) for name, value in zip(FEATURES, weights, strict=True)},
        "bias": round(bias, 3),
        "low_below": round(cut, 3),
        "high_from": round(high_from, 3),
        "fitted": {"answerable_low": float(low[labels == 1].mean()), "no_answer_low": float(low[labels == 0].mean()),
                   "answerable_high": int(((scores >= high_from) & ~low & (labels == 1)).sum())},
        "cross_validated": {"answerable_low": turned_away, "no_answer_low": caught},
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        weights_text = ", ".join(f"{name}={value}" for name, value in result["weights"].items())
        print(f"Calibration({weights_text}, bias={result['bias']}, low_below={result['low_below']}, "
              f"high_from={result['high_from']})")
        print(json.dumps({key: result[key] for key in ("questions", "fitted", "cross_validated")}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
