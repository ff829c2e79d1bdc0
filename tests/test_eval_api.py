"""scripts/eval_api.py: a questions file scored through the HTTP API of a real server gives the
same scores as the in-process evaluation, follow-ups included, with its latency."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from assistant.eval import Question, judge, load_questions, score

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "eval_api.py"
HELDOUT = REPO / "tests" / "data" / "confidence" / "heldout.jsonl"
POLICE_FR = "Comment démarrer un partenariat avec la police?"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("scripts.eval_api", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def questions_file(tmp_path) -> Path:
    """Five questions: three answerable and one no-answer from heldout.jsonl, and a follow-up."""
    lines = HELDOUT.read_text(encoding="utf-8").splitlines()
    answerable = [line for line in lines if '"kind": "no-answer"' not in line][:3]
    no_answer = [line for line in lines if '"kind": "no-answer"' in line][:1]
    follow_up = json.dumps({"id": "follow-up", "question": "et avec les écoles?", "lang": "fr", "kind": "same-language",
                            "evidence": ["Écoles, cégeps et universités"], "docs": ["004"], "context": [POLICE_FR]},
                           ensure_ascii=False)
    path = tmp_path / "five.jsonl"
    path.write_text("\n".join([*answerable, *no_answer, "", follow_up]) + "\n", encoding="utf-8")
    return path


def expected(searcher, path: Path, module: ModuleType):
    """Return the report of the same questions asked in process (context included)."""
    questions: list[Question] = load_questions(path)
    contexts = module.read_contexts(path)
    outcomes = [judge(question, searcher.ask(question.question, k=10, context=context))
                for question, context in zip(questions, contexts, strict=True)]
    return score(outcomes, "api", 10)


def test_a_started_server_scores_like_the_in_process_evaluation(questions_file, bundled_index_dir, searcher):
    module = load_script()
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(questions_file), "--index", str(bundled_index_dir), "--json"],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    [run] = json.loads(result.stdout)
    report = run["report"]
    assert run["k"] == 10 and run["contract_breaks"] == []
    assert run["latency"]["questions"] == 5 and 0 < run["latency"]["mean_ms"] <= run["latency"]["p95_ms"]
    wanted = expected(searcher, questions_file, module).to_dict()
    assert report["overall"] == wanted["overall"] and report["confidence"] == wanted["confidence"]
    assert [q["first_hit"] for q in report["questions"]] == [q["first_hit"] for q in wanted["questions"]]
    assert report["overall"]["count"] == 4 and report["no_answer"]["count"] == 1
    follow_up = report["questions"][-1]
    assert follow_up["id"] == "follow-up" and follow_up["first_hit"] is not None and follow_up["first_hit"] <= 3


def test_a_running_server_is_scored_with_the_table(questions_file, server_url, capsys):
    module = load_script()
    assert module.main([str(questions_file), "--url", server_url]) == 0
    out = capsys.readouterr().out
    assert "5 questions from five.jsonl, k=10, through the HTTP API" in out
    assert "| answerable: high / medium / low |" in out and "| no-answer: high / medium / low" in out
    assert "latency per question (client side): mean " in out and " ms, p95 " in out


def test_a_bad_file_is_an_error_not_a_traceback(tmp_path, server_url, capsys):
    module = load_script()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n', encoding="utf-8")
    assert module.main([str(bad), "--url", server_url]) == 2
    assert "line 1" in capsys.readouterr().err
