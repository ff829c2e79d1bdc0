"""Highlights: the sentences, or words, of a passage that best match the question."""

from __future__ import annotations

from assistant.search.glossary import load_glossary
from assistant.search.highlight import passage_highlights, sentence_spans
from assistant.search.question import analyse


def question_stems(question: str) -> frozenset[str]:
    """Return the stems a question marks, as the searcher works them out (glossary included)."""
    return analyse(question, load_glossary()).highlight_stems


def test_sentences_are_cut_at_end_marks_and_line_breaks():
    text = "First one. « Second? » Third!\n— Someone, somewhere"
    assert [text[start:end] for start, end in sentence_spans(text)] == [
        "First one.", "« Second? »", "Third!", "— Someone, somewhere"
    ]


def test_the_sentence_with_most_question_words_is_marked():
    text = (
        "Our centre opened in 1998. To start a partnership with the police, meet the community officer "
        "first. Funding comes from the region."
    )
    spans = passage_highlights(text, "en", question_stems("How do I start a partnership with the police?"))
    assert [text[start:end] for start, end in spans] == [
        "To start a partnership with the police, meet the community officer first."
    ]


def test_a_one_sentence_passage_gets_its_matching_words_marked_across_inflections():
    text = "Les partenariats avec les policiers demandent du temps."
    spans = passage_highlights(text, "fr", question_stems("Comment bâtir un partenariat avec la police ?"))
    marked = [text[start:end] for start, end in spans]
    assert "partenariats" in marked and "temps" not in marked


def test_the_glossary_carries_a_french_question_to_an_english_passage():
    text = "High staff turnover makes partnerships fragile. Meetings help. Budgets are tight."
    spans = passage_highlights(text, "en", question_stems("Comment composer avec le roulement du personnel ?"))
    assert [text[start:end] for start, end in spans] == ["High staff turnover makes partnerships fragile."]


def test_nothing_is_marked_when_nothing_matches():
    text = "The weather was fine. Everyone came early."
    assert passage_highlights(text, "en", question_stems("partenariat police")) == ()


def test_the_searcher_returns_hits_with_their_highlights_filled(searcher):
    answer = searcher.ask("How do I start a partnership with the police?", k=5)
    assert answer.hits and all(hit.highlights for hit in answer.hits[:3])
    wanted = question_stems(answer.question)
    for hit in answer.hits:
        assert hit.highlights == passage_highlights(hit.passage.text, hit.passage.lang, wanted)


def test_neighbouring_words_are_marked_as_one():
    text = "Cross-sectoral work with police partners helps."
    spans = passage_highlights(text, "en", question_stems("cross sectoral police partners"))
    assert [text[start:end] for start, end in spans] == ["Cross-sectoral", "police partners"]
