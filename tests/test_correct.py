"""Typo tolerance (issue 12): unknown words corrected to the nearest corpus word, known and
real words never changed, on the bundled index with its real encoder vocabulary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.eval import load_questions
from assistant.index.terms import fold, words
from assistant.index.wordcounts import count_words
from assistant.search.correct import TWO_EDITS_FROM, Vocabulary, allowed_edits, proper_names

DATA = Path(__file__).parent / "data"
DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "dev.jsonl"


@pytest.fixture(scope="module")
def vocabulary(searcher) -> Vocabulary:
    return searcher.vocabulary


def test_a_typo_finds_the_police(searcher, client):
    answer = searcher.ask("partenariat polcie", k=5)
    assert answer.understood_as == "partenariat police"
    assert any("police" in hit.passage.text.lower() for hit in answer.hits[:3])
    data = client.post("/api/ask", json={"question": "partenariat polcie"}).get_json()
    assert data["question"] == "partenariat polcie" and data["understood_as"] == "partenariat police"
    assert any("police" in passage["text"].lower() for passage in data["passages"][:3])


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("polcie", "police"),  # a transposition is one edit
        ("poilce", "police"),
        ("yuth", "youth"),  # 4 letters: one edit
        ("infoletre", "infolettre"),
        ("partnrship", "partnership"),
        ("collaboratoin", "collaboration"),
        ("colaborasion", "collaboration"),  # 12 letters: two edits
        ("intresectorielle", "intersectorielle"),
        ("polcié", "police"),  # accents do not count
    ],
)
def test_typos_are_corrected_to_corpus_words(vocabulary, typed, meant):
    assert vocabulary.correct(typed) == meant


def test_every_corpus_word_is_known_and_kept(vocabulary, bundled_index):
    corpus_words = {word for passage in bundled_index.passages for word in words(passage.text)}
    assert len(corpus_words) > 1000
    changed = {word: fixed for word in corpus_words if (fixed := vocabulary.correct(word)) is not None}
    assert changed == {}
    assert vocabulary.corrections(sorted(corpus_words)) == ()


def test_accents_are_ignored_both_ways(vocabulary):
    # Known words typed without or with extra accents are known.
    for typed in ("ecoles", "Écoles", "parténariat", "intervenante", "intervénante", "benevoles"):
        assert vocabulary.correct(typed) is None, typed
    assert fold("écoles") in vocabulary.known


@pytest.mark.parametrize("typed", ["rol", "jeu", "plo", "cie", "tdah2", "a1b2", "2024"])
def test_short_words_and_non_words_are_never_changed(vocabulary, typed):
    assert fold(typed) not in vocabulary.known
    assert allowed_edits(fold(typed)) == 0
    assert vocabulary.correct(typed) is None


def test_edits_allowed_grow_with_the_word():
    assert [allowed_edits(word) for word in ("abc", "abcd", "abcdefg", "abcdefgh")] == [0, 1, 1, 2]
    assert TWO_EDITS_FROM == 8


def test_two_edits_only_from_eight_letters(vocabulary):
    assert vocabulary.correct("pilcie") is None  # 6 letters, two edits from "police"
    assert vocabulary.correct("colaborasion") == "collaboration"  # 12 letters, two edits


@pytest.mark.parametrize(
    "word", ["camp", "phone", "salaire", "téléphone", "attente", "soutient", "makers", "versé", "peaux", "restait"]
)
def test_real_words_the_corpus_lacks_are_not_corrected(searcher, bundled_index, word):
    """The encoder's vocabulary guards real words ("camp" is not a typo of "champ")."""
    assert searcher.encoder.knows_word(word)
    assert searcher.vocabulary.correct(word) is None


def test_without_the_guard_camp_would_become_champ(bundled_index):
    assert Vocabulary(count_words(bundled_index.passages)).correct("camp") == "champ"


def test_the_guard_lets_typos_through(searcher):
    for typo in ("polcie", "betwen", "protecton", "infoletre", "liasion", "benifits", "colaboration"):
        assert not searcher.encoder.knows_word(typo), typo


def test_the_day_camp_question_keeps_its_words(searcher):
    question = "Comment inscrire un jeune à un camp de jour sportif cet été?"
    assert searcher.ask(question).understood_as == question


def test_dev_questions_are_searched_as_typed(searcher):
    if not DEV.is_file():
        pytest.skip(f"{DEV} is not beside the repository")
    changed = [(question.question, understood) for question in load_questions(DEV)
               if (understood := searcher.ask(question.question, k=3).understood_as) != question.question]
    assert changed == []


def test_own_questions_are_searched_as_typed(searcher):
    for question in load_questions(DATA / "own-questions.jsonl"):
        assert searcher.ask(question.question, k=3).understood_as == question.question


def test_calibration_questions_change_only_where_a_typo_was_written(searcher):
    """Every question marked with a typo and nothing else may change (tune and held-out sets)."""
    wrongly_changed = []
    for path in sorted((DATA / "confidence").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            understood = searcher.ask(item["question"], k=3).understood_as
            if understood != item["question"] and not item.get("typo"):
                wrongly_changed.append((item["question"], understood))
    assert wrongly_changed == []


@pytest.mark.parametrize(("text", "kept"), [
    ("Quelle est la capitale des États-Unis?", {"états", "unis"}),
    ("Contre qui le dey d'Alger est-il fâché?", {"alger"}),
    ("Comment joindre la DPJ de Laval?", {"dpj", "laval"}),
])
def test_names_inside_a_sentence_and_acronyms_are_never_corrected(text, kept):
    assert kept <= proper_names(text)


def test_the_first_word_of_a_sentence_is_not_taken_for_a_name():
    assert "polcie" not in proper_names("Polcie et écoles. Partenariat polcie")


def test_a_word_is_looked_up_once_across_questions(monkeypatch):
    import assistant.search.correct as correct_module
    from assistant.records import Passage

    vocabulary = Vocabulary(count_words([Passage(passage_id="p", doc_id="d", text="partenariat avec la police",
                                                 section=(), lang="fr", start=0, end=26, order=0)]))
    searches = []
    extract = correct_module.process.extract

    def counted(*args, **kwargs):
        searches.append(args[0])
        return extract(*args, **kwargs)

    monkeypatch.setattr(correct_module.process, "extract", counted)
    for _ in range(3):
        assert vocabulary.correct("partenarait") == "partenariat"
    assert searches == ["partenarait"]


def test_the_words_counted_at_build_are_the_ones_counted_from_the_passages(bundled_index):
    assert bundled_index.word_counts is not None  # read from the index, not counted at each start
    counted = count_words(bundled_index.passages)
    assert list(bundled_index.word_counts.items()) == list(counted.items())  # same words, counts and order


def test_names_are_found_as_the_patterns_find_them_with_or_without_a_capital_past_the_first_letter():
    """A text with no capital past its first letter holds no name: the patterns need not run."""
    import re

    from assistant.search.correct import _ACRONYM, _NAME

    def by_patterns(text: str) -> frozenset[str]:
        found = {part.lower() for match in _NAME.finditer(text.strip()) for part in re.split(r"[-'’]", match.group(1))}
        return frozenset(found | {match.group(0).lower() for match in _ACRONYM.finditer(text)})

    files = [DATA / "own-questions.jsonl", *(DATA / "confidence").glob("*.jsonl")]
    texts = [json.loads(line)["question"] for path in files
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts += ["  DPJ et police", " Élodie", "DPJ", "Qui est Ève?", "à Montréal", "x", "", "  ", "ÉCOLE", "aÉ", "Aé"]
    assert sum(1 for text in texts if by_patterns(text)) >= 10
    for text in texts:
        assert proper_names(text) == by_patterns(text), text
