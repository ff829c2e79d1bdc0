"""The confidence calibration questions (tests/data/confidence/) are well formed and true to the corpus.

Every evidence string must be found in the bundled corpus after the scoring's normalisation,
the no-answer questions carry none, the ids are unique, the sets are large enough to
calibrate on, and none repeats a dev.jsonl question. The PIAF loader (scripts/piaf_ood.py)
turns PIAF questions into no-answer items in memory and refuses to write them into the repo.
"""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path

import pytest

from assistant.eval import NO_ANSWER, load_questions, normalise
from assistant.index.terms import passage_terms, words
from assistant.search.glossary import Glossary, load_glossary
from assistant.search.question import query_terms

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "confidence"
FILES = {"conf-t": DATA / "tune.jsonl", "conf-h": DATA / "heldout.jsonl", "conf-h2": DATA / "heldout2.jsonl"}
CORPUS = ROOT / "corpus"
DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"
OWN = Path(__file__).parent / "data" / "own-questions.jsonl"
KINDS = {"same-language", "cross-lingual", "paraphrase", NO_ANSWER}
FIELDS = {"id", "question", "lang", "kind", "evidence", "docs", "style", "typo", "glossary"}
MIN_NO_ANSWER = 60
MIN_ANSWERABLE = 60


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _all_rows() -> list[tuple[str, dict]]:
    return [(prefix, row) for prefix, path in FILES.items() for row in _rows(path)]


def _corpus() -> dict[str, str]:
    return {path.name[:3]: normalise(path.read_text(encoding="utf-8")) for path in sorted(CORPUS.glob("[0-9]*.txt"))}


def test_every_line_has_the_evaluation_format_and_the_files_load():
    for prefix, row in _all_rows():
        assert set(row) <= FIELDS and {"id", "question", "lang", "kind", "evidence", "docs", "style"} <= set(row), row
        assert row["id"].startswith(prefix + "-") and row["question"].strip(), row
        assert row["lang"] in {"en", "fr"} and row["kind"] in KINDS and row["style"] in {"short", "long"}, row
        assert isinstance(row["evidence"], list) and isinstance(row["docs"], list), row
        assert row.get("typo", True) is True, row  # only ever marked, never "typo": false
        assert all(isinstance(tag, str) and tag for tag in row.get("glossary", [])), row
        if row["style"] == "short":  # a keyword query: a few meaningful words
            assert 2 <= len(words(row["question"])) <= 5, row
        else:
            assert len(row["question"].split()) >= 5, row
    for path in FILES.values():
        assert len(load_questions(path)) == len(_rows(path))


def test_ids_are_unique_and_no_question_is_asked_twice():
    rows = [row for _, row in _all_rows()]
    assert len({row["id"] for row in rows}) == len(rows)
    texts = [normalise(row["question"]) for row in rows]
    assert [text for text, count in Counter(texts).items() if count > 1] == []


def test_every_evidence_string_is_in_the_corpus_and_docs_name_where():
    corpus = _corpus()
    assert sorted(corpus) == ["000", "001", "002", "003", "004"]
    for _, row in _all_rows():
        if row["kind"] == NO_ANSWER:
            assert row["evidence"] == [] and row["docs"] == [], row
            continue
        assert row["evidence"] and row["docs"], row
        found: set[str] = set()
        for evidence in row["evidence"]:
            holders = {doc for doc, text in corpus.items() if normalise(evidence) in text}
            assert holders, f"{row['id']}: evidence not in the corpus: {evidence!r}"
            found |= holders
        assert sorted(found) == row["docs"], row["id"]


def test_there_are_enough_questions_of_each_kind_in_both_languages_and_styles():
    rows = [row for _, row in _all_rows()]
    no_answer = [row for row in rows if row["kind"] == NO_ANSWER]
    answerable = [row for row in rows if row["kind"] != NO_ANSWER]
    assert len(no_answer) >= MIN_NO_ANSWER and len(answerable) >= MIN_ANSWERABLE
    for group in (no_answer, answerable):
        assert {(row["lang"], row["style"]) for row in group} == {("en", "short"), ("en", "long"),
                                                                  ("fr", "short"), ("fr", "long")}
        assert any(row.get("typo") for row in group)
    assert {row["kind"] for row in answerable} == KINDS - {NO_ANSWER}
    held_out = _rows(FILES["conf-h"])
    calibration = len(_rows(FILES["conf-t"])) + len(held_out)
    assert 0.25 <= len(held_out) / calibration <= 0.4  # about a third of the first set set aside


def test_no_question_repeats_one_of_the_projects_own_questions():
    assert {normalise(row["question"]) for _, row in _all_rows()}.isdisjoint(
        normalise(row["question"]) for row in _rows(OWN))


@pytest.mark.skipif(not DEV.is_file(), reason="shared/eval/dev.jsonl is not beside the repository")
def test_no_question_repeats_a_dev_question():
    assert {normalise(row["question"]) for _, row in _all_rows()}.isdisjoint(
        normalise(row["question"]) for row in _rows(DEV))


def test_each_glossary_tag_names_a_glossary_phrase_the_question_brings_in():
    glossary = load_glossary()
    phrases = {phrase for term in glossary.terms for phrase, _ in term.phrases}
    tagged = [row for _, row in _all_rows() if row.get("glossary")]
    assert len(tagged) >= 20
    for row in tagged:
        for tag in row["glossary"]:
            assert tag in phrases, f"{row['id']}: {tag!r} is not in the glossary"
        # the question is widened by the term (it uses another of its phrasings) or says it itself
        widened = {phrase for phrase, _ in glossary.expand(row["question"])}
        term_phrases = [{phrase for phrase, _ in term.phrases} for term in glossary.terms
                        if set(row["glossary"]) & {phrase for phrase, _ in term.phrases}]
        assert all(widened & group for group in term_phrases), row["id"]



def test_each_glossary_tag_earns_its_place_by_linking_the_question_to_its_evidence():
    """Without the tagged term, the question's search terms reach fewer words of its evidence."""
    glossary = load_glossary()

    def reached(used: Glossary, row: dict) -> int:
        evidence = {term for text in row["evidence"] for lang in ("en", "fr") for term in passage_terms(text, lang)}
        return len(set(query_terms(row["question"], used.expand(row["question"]))) & evidence)

    for _, row in _all_rows():
        for tag in row.get("glossary", []):
            without = Glossary(terms=tuple(term for term in glossary.terms
                                           if tag not in {phrase for phrase, _ in term.phrases}))
            assert reached(glossary, row) > reached(without, row), f"{row['id']}: {tag!r} adds nothing"

# --- scripts/piaf_ood.py ----------------------------------------------------------------------

def _piaf_module():
    spec = importlib.util.spec_from_file_location("piaf_ood", ROOT / "scripts" / "piaf_ood.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake_piaf(path: Path, count: int) -> Path:
    questions = [{"id": f"q{number}", "question": f"En quelle année la ville numéro {number} a-t-elle été fondée ?",
                  "answers": [{"text": "1642", "answer_start": 0}]} for number in range(count)]
    questions.append({"id": "short", "question": "Quand ?", "answers": []})
    questions.append({"id": "again", "question": questions[0]["question"], "answers": []})
    data = {"version": "1.0", "data": [{"title": "Villes", "paragraphs": [{"context": "…", "qas": questions}]}]}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_piaf_questions_become_no_answer_items_chosen_the_same_way_each_time(tmp_path):
    piaf = _piaf_module()
    source = _fake_piaf(tmp_path / "piaf-v1.0.json", 30)
    items = piaf.select_ood(source, count=10, seed=3)
    assert len(items) == 10 and items == piaf.select_ood(tmp_path, count=10, seed=3)
    assert items != piaf.select_ood(source, count=10, seed=4)
    assert all(item["kind"] == NO_ANSWER and item["evidence"] == [] and item["docs"] == [] and item["lang"] == "fr"
               for item in items)
    everything = piaf.select_ood(source, count=100)
    assert len(everything) == 30  # the fragment and the repeated question are left out
    out = tmp_path / "ood.jsonl"
    piaf.write_jsonl(items, out)
    loaded = load_questions(out)
    assert [question.question_id for question in loaded] == [item["id"] for item in items]
    assert not any(question.answerable for question in loaded)


def test_piaf_questions_are_never_written_into_the_repository(tmp_path):
    piaf = _piaf_module()
    source = _fake_piaf(tmp_path / "piaf.json", 5)
    target = ROOT / "tests" / "data" / "confidence" / "piaf-ood.jsonl"
    assert piaf.main(["--piaf", str(source), "--out", str(target)]) == 2
    assert not target.exists()
    assert piaf.main(["--piaf", str(tmp_path / "missing.json")]) == 2
