"""Passages carry their sectors; search, the CLI and the filters keep to the ones asked for."""

from __future__ import annotations

import json

import pytest

from assistant.search import Filters
from assistant.sectors import SECTORS, passage_sectors, sectors_in_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Le CLSC accueille les élèves du quartier.", ("institutional", "school")),
        ("Les policiers et les intervenants des organismes communautaires", ("community", "police")),
        ("Law enforcement and youth protection workers met.", ("institutional", "police")),
        ("Un OBNL de travail de rue", ("community",)),
        ("Le ministère de la Santé et des Services sociaux", ("institutional",)),
        ("Établir un langage commun avec ses partenaires.", ()),
    ],
)
def test_sectors_named_in_text(text, expected):
    assert sectors_in_text(text) == expected


def test_a_passage_naming_no_sector_takes_its_documents():
    assert passage_sectors("Établir un langage commun.", ("school", "community")) == ("community", "school")
    assert passage_sectors("Appeler la police.", ("school", "community")) == ("police",)


def test_every_passage_of_the_bundled_corpus_has_sectors(bundled_index):
    assert all(passage.sectors for passage in bundled_index.passages)
    assert all(set(passage.sectors) <= set(SECTORS) for passage in bundled_index.passages)
    by_sector = {sector: sum(sector in p.sectors for p in bundled_index.passages) for sector in SECTORS}
    assert all(count > 0 for count in by_sector.values()), by_sector
    # Passages of a community + institutional document that name the police say so.
    police = [p for p in bundled_index.passages if "police" in p.sectors]
    assert len(police) < len(bundled_index.passages)


@pytest.mark.parametrize("sector", SECTORS)
def test_ask_keeps_to_the_sector(searcher, sector):
    answer = searcher.ask("How do we build a partnership?", k=10, filters=Filters(sectors=(sector,)))
    assert answer.hits
    assert all(sector in hit.passage.sectors for hit in answer.hits)


def test_ask_keeps_to_the_documents(searcher):
    unfiltered = searcher.ask("bénéfices de la collaboration", k=10)
    assert {hit.passage.doc_id for hit in unfiltered.hits} != {"aire-ouverte-partenariat-fr"}
    wanted = ("aire-ouverte-partenariat-fr", "maillage-benefits-en")
    answer = searcher.ask("bénéfices de la collaboration", k=10, filters=Filters(doc_ids=wanted))
    assert answer.hits
    assert {hit.passage.doc_id for hit in answer.hits} <= set(wanted)


def test_sector_and_document_filters_combine(searcher):
    filters = Filters(sectors=("police",), doc_ids=("maillage-community-institutional-en",))
    answer = searcher.ask("working with the police", k=10, filters=filters)
    for hit in answer.hits:
        assert hit.passage.doc_id == "maillage-community-institutional-en"
        assert "police" in hit.passage.sectors


def test_cli_sector_and_document_options(runner):
    result = runner("ask", "collaboration", "--json", "--k", "8", "--sector", "school")
    assert result.exit_code == 0, result.output
    passages = json.loads(result.output)["passages"]
    assert passages and all("school" in passage["sectors"] for passage in passages)

    result = runner("ask", "collaboration", "--json", "--document", "maillage-benefices-fr")
    assert result.exit_code == 0, result.output
    passages = json.loads(result.output)["passages"]
    assert passages and {passage["doc_id"] for passage in passages} == {"maillage-benefices-fr"}

    result = runner("ask", "collaboration", "--document", "no-such-doc")
    assert result.exit_code == 2
    # what was typed is not repeated (it may hold a name); the known ids are listed
    assert "no-such-doc" not in result.output and "1 unknown document id" in result.output
    assert "maillage-benefices-fr" in result.output

    result = runner("ask", "collaboration", "--sector", "hospital")
    assert result.exit_code == 2
