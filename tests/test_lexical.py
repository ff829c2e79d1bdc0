"""Keyword search: folding, stemming, stop words, the saved BM25 index and the glossary."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.index.keyword import LexicalIndex, build_lexical
from assistant.index.terms import fold, passage_terms, words
from assistant.records import Passage
from assistant.search.glossary import load_glossary, parse_glossary
from assistant.search.question import query_terms


def _passage(number: int, text: str, lang: str) -> Passage:
    return Passage(passage_id=f"p{number}", doc_id=f"d{number}", text=text, section=(), lang=lang,
                   start=0, end=len(text), order=number)


PASSAGES = [
    _passage(0, "Les policières et les policiers du quartier rencontrent les organismes.", "fr"),
    _passage(1, "Le roulement du personnel nuit à la continuité des services.", "fr"),
    _passage(2, "Partnerships with schools take time to build.", "en"),
    _passage(3, "La protection de la jeunesse (DPJ) reçoit les signalements.", "fr"),
]


def _best(index: LexicalIndex, terms: list[str]) -> int:
    scores = index.scores(terms)
    assert scores.shape == (len(PASSAGES),)
    return int(np.argmax(scores)) if scores.max() > 0 else -1


def test_fold_removes_accents_and_typographic_apostrophes():
    assert fold("Policière À L’ÉCOLE") == "policiere a l'ecole"


def test_words_drop_stop_words_of_both_languages_and_elisions():
    assert words("Comment l'organisme travaille-t-il avec the police?") == ["organisme", "travaille", "police"]


def test_inflections_share_a_stem():
    assert passage_terms("partenariats", "fr") == passage_terms("partenariat", "fr")
    assert passage_terms("partnerships", "en") == passage_terms("partnership", "en")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("policiere", 0),  # no accent typed
        ("Comment gérer le roulement de personnel?", 1),
        ("partnership with a school", 2),
        ("signalement à la DPJ", 3),
    ],
)
def test_bm25_finds_the_passage_sharing_the_words(question, expected):
    assert _best(build_lexical(PASSAGES), query_terms(question)) == expected


def test_unknown_words_score_nothing():
    assert _best(build_lexical(PASSAGES), query_terms("T3010 soccer")) == -1


def test_saved_index_loads_with_the_same_scores(tmp_path):
    index = build_lexical(PASSAGES)
    names = index.save(tmp_path, "lexical-test")
    assert sorted(names.values()) == sorted(path.name for path in tmp_path.iterdir())
    loaded = LexicalIndex.load(tmp_path, names, len(PASSAGES))
    terms = query_terms("policiers et organismes du quartier")
    assert np.allclose(loaded.scores(terms), index.scores(terms))


def test_an_empty_collection_gives_empty_scores():
    assert build_lexical([]).scores(["police"]).shape == (0,)


def test_glossary_expands_a_question_into_the_other_language():
    expanded = load_glossary().expand("How do I start a partnership with the police?")
    assert ("partenariat", "fr") in expanded
    assert ("policier", "fr") in expanded
    assert ("partnership", "en") not in expanded  # the question's own words are not repeated


def test_glossary_matches_inflected_multi_word_phrases():
    glossary = parse_glossary('[[term]]\nen = ["staff turnover"]\nfr = ["roulement du personnel"]\n')
    assert glossary.expand("Le roulement du personnel est élevé") == [("staff turnover", "en")]
    assert glossary.expand("Our staff turnovers are high") == [("roulement du personnel", "fr")]
    assert glossary.expand("turnover alone") == []


def test_glossary_makes_keyword_search_cross_lingual():
    index = build_lexical(PASSAGES)
    question = "How do we cope with staff turnover?"
    assert _best(index, query_terms(question)) == -1
    widened = query_terms(question, load_glossary().expand(question))
    assert _best(index, widened) == 1


def test_scores_are_bm25s_own_sums_bit_for_bit(bundled_index_dir):
    """The keyword scores summed from plain views of the saved index are exactly bm25s's."""
    from assistant.index import load_index
    from assistant.index.keyword import lexical_text

    with load_index(bundled_index_dir) as index:
        lexical = index.lexical
        assert isinstance(lexical.bm25.scores["data"], np.memmap)  # what the views avoid slicing
        compared = 0
        for passage in list(index.passages)[::7]:
            terms = passage_terms(lexical_text(passage), passage.lang)[:12] + ["absent-term"]
            ids = lexical.bm25.get_tokens_ids(terms)
            expected = np.asarray(lexical.bm25.get_scores_from_ids(ids), dtype=np.float32)
            assert np.array_equal(lexical.scores(terms), expected)
            compared += int(expected.astype(bool).sum())
        assert compared > 100
