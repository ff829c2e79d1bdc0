"""The command line: ingest then ask, text and JSON, clear errors."""

from __future__ import annotations

import json

from click.testing import CliRunner

from assistant.cli import main

CONTRACT_KEYS = {"id", "text", "doc_id", "title", "section", "lang", "score", "source"}


def test_ingest_then_ask_in_both_languages(corpus_copy, tmp_path, monkeypatch):
    runner = CliRunner()
    index_dir = tmp_path / "index"
    result = runner.invoke(main, ["--index", str(index_dir), "ingest", str(corpus_copy)])
    assert result.exit_code == 0, result.output
    assert "indexed" in result.output and "from 5 documents" in result.output

    monkeypatch.setenv("ASSISTANT_CORPUS", str(corpus_copy))

    result = runner.invoke(main, ["--index", str(index_dir), "ask", "How do I start a partnership with the police?",
                                  "--json", "--k", "5"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"question", "lang", "answerable", "confidence", "understood_as", "passages"}
    assert data["lang"] == "en" and isinstance(data["answerable"], bool)
    assert len(data["passages"]) == 5
    assert all(CONTRACT_KEYS <= set(passage) for passage in data["passages"])
    scores = [passage["score"] for passage in data["passages"]]
    assert scores == sorted(scores, reverse=True)
    assert any(passage["lang"] == "fr" for passage in data["passages"])

    result = runner.invoke(main, ["--index", str(index_dir), "ask", "comment démarrer un partenariat avec la police?"])
    assert result.exit_code == 0, result.output
    assert "[1]" in result.output and "/documents/" in result.output


def test_ask_without_index_says_what_to_run(tmp_path):
    result = CliRunner().invoke(main, ["--index", str(tmp_path / "none"), "ask", "police?"])
    assert result.exit_code == 2
    assert "run `assistant ingest`" in result.output
    assert "Traceback" not in result.output


def test_ask_rejects_blank_question(bundled_index_dir):
    result = CliRunner().invoke(main, ["--index", str(bundled_index_dir), "ask", "   "])
    assert result.exit_code == 2 and "empty" in result.output


def test_ingest_reports_unreadable_files(corpus_copy, tmp_path):
    (corpus_copy / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    result = CliRunner().invoke(main, ["--index", str(tmp_path / "index"), "ingest", str(corpus_copy)])
    assert result.exit_code == 0
    assert "skipped broken.pdf" in result.output
    assert "from 5 documents" in result.output
