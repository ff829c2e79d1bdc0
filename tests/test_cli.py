"""The command line: ingest then ask, text and JSON, clear errors."""

from __future__ import annotations

import json

CONTRACT_KEYS = {"id", "text", "doc_id", "title", "section", "lang", "score", "source"}


def test_ingest_then_ask_in_both_languages(corpus_copy, tmp_path, monkeypatch, runner):
    index_dir = tmp_path / "index"
    result = runner("ingest", str(corpus_copy), index=index_dir)
    assert result.exit_code == 0, result.output
    assert "indexed" in result.output and "from 5 documents" in result.output

    monkeypatch.setenv("ASSISTANT_CORPUS", str(corpus_copy))

    result = runner("ask", "How do I start a partnership with the police?", "--json", "--k", "5", index=index_dir)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"question", "lang", "answerable", "confidence", "understood_as", "passages"}
    assert data["lang"] == "en" and isinstance(data["answerable"], bool)
    assert len(data["passages"]) == 5
    assert all(CONTRACT_KEYS <= set(passage) for passage in data["passages"])
    scores = [passage["score"] for passage in data["passages"]]
    assert scores == sorted(scores, reverse=True)
    assert any(passage["lang"] == "fr" for passage in data["passages"])

    result = runner("ask", "comment démarrer un partenariat avec la police?", index=index_dir)
    assert result.exit_code == 0, result.output
    assert "[1]" in result.output and "/documents/" in result.output


def test_ask_without_index_or_corpus_says_what_is_missing(tmp_path, runner):
    result = runner("ask", "police?", index=tmp_path / "none")
    assert result.exit_code == 2
    assert "corpus folder" in result.output and "does not exist" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "none" / "manifest.json").exists()


def test_ask_on_a_fresh_clone_builds_the_index_first(corpus_copy, tmp_path, runner, monkeypatch):
    monkeypatch.setenv("ASSISTANT_CORPUS", str(corpus_copy))
    index_dir = tmp_path / "fresh"
    result = runner("ask", "--json", "comment démarrer un partenariat avec la police?", index=index_dir)
    assert result.exit_code == 0, result.output
    assert "no index yet: building it" in result.output
    assert (index_dir / "manifest.json").is_file()
    again = runner("ask", "--json", "police?", index=index_dir)
    assert again.exit_code == 0 and "no index yet" not in again.output


def test_ask_rejects_blank_question(runner):
    result = runner("ask", "   ")
    assert result.exit_code == 2 and "empty" in result.output


def test_ingest_reports_unreadable_files(corpus_copy, tmp_path, runner):
    (corpus_copy / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    result = runner("ingest", str(corpus_copy), index=tmp_path / "index")
    assert result.exit_code == 0
    assert "skipped broken.pdf" in result.output
    assert "from 5 documents" in result.output
