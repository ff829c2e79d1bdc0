"""Keyword search: folding, stemming, stop words, the saved BM25 index and the glossary."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.index.keyword import PARTS, LexicalIndex, build_lexical
from assistant.index.stopwords import STOPWORDS_EN, STOPWORDS_FR
from assistant.index.stored_keyword import StoredBM25
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


@pytest.mark.parametrize("memory_map", [True, False])
def test_a_saved_index_read_without_bm25s_scores_bit_for_bit_as_bm25s_reads_it(bundled_index, memory_map):
    """Serving reads the keyword index with numpy alone: the same files, the same float32 sums."""
    import bm25s

    names = {role.split(".", 1)[1]: name for role, name in bundled_index.manifest.files.items()
             if role.startswith("lexical.")}
    folder = bundled_index.folder
    ours = LexicalIndex.load(folder, names, len(bundled_index.passages), memory_map=memory_map)
    theirs = bm25s.BM25.load(str(folder), mmap=memory_map, show_progress=False,
                             nnoc_name=names["data"].replace(".data.npy", ".nnoc.npy"),
                             **{PARTS[part]: name for part, name in names.items()})
    assert isinstance(ours.bm25, StoredBM25) and ours.terms() == frozenset(theirs.vocab_dict)
    questions = ["policiers et organismes du quartier", "How do we cope with staff turnover?",
                 "signalement à la DPJ école partenariat", "T3010 soccer", "police police police"]
    compared = 0
    for question in questions:
        ids = theirs.get_tokens_ids(query_terms(question))
        assert ours.bm25.get_tokens_ids(query_terms(question)) == ids
        expected = np.asarray(theirs.get_scores_from_ids(ids), dtype=np.float32)
        assert np.array_equal(ours.scores(query_terms(question)), expected)
        compared += int(expected.any())
    assert compared >= 3  # the questions found passages, so the sums were compared, not only zeros


def test_a_keyword_index_whose_scores_need_more_than_its_columns_is_refused(tmp_path):
    names = build_lexical(PASSAGES).save(tmp_path, "lexical-test")
    params = tmp_path / names["params"]
    params.write_text(params.read_text().replace('"lucene"', '"bm25l"', 1))
    with pytest.raises(ValueError, match="bm25l"):
        LexicalIndex.load(tmp_path, names, len(PASSAGES))


def test_the_stop_words_are_bm25s_lists():
    from bm25s import stopwords

    assert (STOPWORDS_EN, STOPWORDS_FR) == (tuple(stopwords.STOPWORDS_EN), tuple(stopwords.STOPWORDS_FRENCH))
    assert len(STOPWORDS_EN) > 30 and "les" in STOPWORDS_FR


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


@pytest.mark.parametrize("dense_share", [None, 0.0, 0.04])
def test_scores_are_bm25s_own_sums_bit_for_bit(bundled_index_dir, monkeypatch, dense_share):
    """The keyword scores summed from plain views of the saved index are exactly bm25s's (read by bm25s),
    frequent terms added as whole columns or not (0.0: every term; 0.04: some; None: this index's few)."""
    import bm25s

    from assistant.index import load_index
    from assistant.index.keyword import lexical_text

    if dense_share is not None:
        monkeypatch.setattr("assistant.index.keyword.DENSE_SHARE", dense_share)
    with load_index(bundled_index_dir) as index:
        lexical = index.lexical
        if dense_share is not None:
            assert 0 < len(lexical._frequent) <= len(lexical.terms()) - (dense_share > 0)
        assert isinstance(lexical.bm25.scores["data"], np.memmap)  # what the views avoid slicing
        names = {role.split(".", 1)[1]: name for role, name in index.manifest.files.items()
                 if role.startswith("lexical.")}
        theirs = bm25s.BM25.load(str(index.folder), mmap=True, show_progress=False,
                                 nnoc_name=names["data"].replace(".data.npy", ".nnoc.npy"),
                                 **{PARTS[part]: name for part, name in names.items()})
        compared = 0
        for passage in list(index.passages)[::7]:
            terms = passage_terms(lexical_text(passage), passage.lang)[:12] + ["absent-term"]
            ids = theirs.get_tokens_ids(terms)
            assert lexical.bm25.get_tokens_ids(terms) == ids
            expected = np.asarray(theirs.get_scores_from_ids(ids), dtype=np.float32)
            assert np.array_equal(lexical.scores(terms), expected)
            compared += int(expected.astype(bool).sum())
        assert compared > 100


def test_glossary_expansions_are_every_other_phrasing_of_the_terms_a_question_holds():
    """The expansion found through the phrases' first stems is the one of a scan of every phrase."""
    import json
    from pathlib import Path

    from assistant.index.terms import LANGUAGES, stems

    glossary = load_glossary()

    def scanned(question: str) -> list[tuple[str, str]]:
        stemmed = {lang: stems(words(question), lang) for lang in LANGUAGES}
        found = []
        for term in glossary.terms:
            held = {key for key, lang in term.keys if key and any(
                stemmed[lang][start:start + len(key)] == list(key) for start in range(len(stemmed[lang])))}
            found += [pair for pair, (key, _) in zip(term.phrases, term.keys, strict=True) if held and key not in held]
        return list(dict.fromkeys(found))

    data = Path(__file__).parent / "data"
    files = [data / "own-questions.jsonl", *(data / "confidence").glob("*.jsonl")]
    questions = [json.loads(line)["question"] for path in files
                 for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions += [phrase for term in glossary.terms for phrase, _ in term.phrases]
    assert sum(1 for question in questions if glossary.expand(question)) > 300
    for question in questions:
        assert glossary.expand(question) == scanned(question), question
