"""Retrieval quality floors on the project's own questions (tests/data/own-questions.jsonl).

These 16 questions were written after the search was tuned on shared/eval/dev.jsonl, in
its format, about other passages of the bundled corpus: 8 of them ask in one language what
only the other says. The floors sit a little under what the search reaches (README,
"Retrieval quality"), so that a change that makes answers worse fails here.
"""

from __future__ import annotations

from pathlib import Path

from assistant.eval import evaluate, load_questions

QUESTIONS = Path(__file__).parent / "data" / "own-questions.jsonl"


def test_hybrid_search_finds_the_answers_and_beats_each_retriever_alone(searcher):
    questions = load_questions(QUESTIONS)
    reports = {retriever: evaluate(searcher.ask, questions, k=10, retriever=retriever)
               for retriever in ("dense", "lexical", "hybrid")}
    hybrid = reports["hybrid"]
    assert hybrid.overall.count == 14 and hybrid.no_answer_count == 2
    assert hybrid.overall.recall[5] >= 0.7 and hybrid.overall.mrr >= 0.6
    assert hybrid.by_kind["cross-lingual"].recall[5] >= 0.6
    for alone in ("dense", "lexical"):
        assert hybrid.overall.recall[5] >= reports[alone].overall.recall[5]
        assert hybrid.overall.mrr > reports[alone].overall.mrr
    assert hybrid.no_answer_detected == 1.0 and hybrid.wrongly_rejected == 0.0
