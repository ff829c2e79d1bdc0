"""Chunking: passages follow the structure, stay short, never cut mid-sentence, keep stable ids."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.chunk import MAX_WORDS, split_all, split_passages
from assistant.ingest import load_documents

from .conftest import CORPUS


@pytest.fixture(scope="module")
def corpus():
    documents, _ = load_documents(CORPUS)
    return documents, split_all(documents)


def test_no_passage_is_too_long_or_cut_mid_sentence(corpus):
    documents, passages = corpus
    assert len(passages) > 80
    for passage in passages:
        assert passage.word_count <= MAX_WORDS
        ends_a_sentence = passage.text[-1] in ".!?;:»”)"
        assert ends_a_sentence or passage.kind in {"list", "quote"} or passage.word_count < 15, passage.text


def test_offsets_order_and_language(corpus):
    documents, passages = corpus
    by_id = {document.doc_id: document for document in documents}
    for passage in passages:
        # the passage's own words are its span of the document; a lead repeated before them is context
        assert passage.lead + by_id[passage.doc_id].text[passage.start : passage.end] == passage.text
        assert passage.own_text == by_id[passage.doc_id].text[passage.start : passage.end]
        assert passage.lang in {"en", "fr"}
    orders = [passage.order for passage in passages if passage.doc_id == "aire-ouverte-partenariat-fr"]
    assert orders == list(range(len(orders)))


def test_short_list_items_stay_together_with_their_heading(corpus):
    _, passages = corpus
    (police,) = [passage for passage in passages if "Services de police." in passage.text]
    assert police.kind == "list"
    assert "Pharmacies communautaires." in police.text and police.text.count("\n") >= 3
    assert police.section[-1] == "QUELQUES PARTENAIRES INTERSECTORIELS"
    groups = [passage for passage in passages if passage.section == police.section]
    assert len(groups) >= 2  # a long list of short items is cut into paragraph-sized passages
    assert all(15 <= group.word_count <= 60 for group in groups)
    assert "Associations citoyennes." in groups[0].text and groups[-1] == police


def test_long_items_stand_alone_under_their_section(corpus):
    _, passages = corpus
    (item,) = [passage for passage in passages if passage.text.startswith("Intégrer les partenaires dès que possible")]
    assert item.section == ("UNE GOUVERNANCE INCLUSIVE ET COLLABORATIVE", "PISTES D'ACTION")
    assert item.word_count < 40


def test_quotes_keep_their_attribution(corpus):
    _, passages = corpus
    (quote,) = [passage for passage in passages if passage.text.startswith("“A lot of energy")]
    assert "Pascale Philibert" in quote.text and "Montérégie-Est" in quote.text


def test_ids_are_stable_and_unique(corpus):
    documents, passages = corpus
    again = split_all(load_documents(CORPUS)[0])
    assert [passage.passage_id for passage in passages] == [passage.passage_id for passage in again]
    assert len({passage.passage_id for passage in passages}) == len(passages)


def test_a_long_paragraph_is_split_at_sentences(corpus):
    documents, _ = corpus
    sentence = "Les partenaires se rencontrent chaque mois pour discuter des situations des jeunes. "
    long_text = sentence * 40
    document = replace(documents[0], doc_id="long", text=long_text.strip(),
                       blocks=(replace(documents[0].blocks[1], kind="paragraph", text=long_text.strip(),
                                       start=0, end=len(long_text.strip())),))
    pieces = split_passages(document)
    assert len(pieces) >= 3
    assert all(piece.word_count <= MAX_WORDS for piece in pieces)
    assert all(piece.text.endswith("jeunes.") for piece in pieces)
