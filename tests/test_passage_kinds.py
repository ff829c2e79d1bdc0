"""Passages that stand alone: lead-ins with their lists, headings on short passages, roles not cited."""

from __future__ import annotations

import pytest

from assistant.chunk import MAX_WORDS, SHORT_PASSAGE_WORDS, split_all, split_passages
from assistant.ingest import load_documents
from assistant.roles import (
    CLOSING,
    LEAD_IN,
    NAVIGATION,
    REFERENCE,
    TESTIMONIAL,
    TEXT,
    cited_roles,
    passage_role,
)
from assistant.web import create_app
from assistant.web.i18n import STARTERS

from .conftest import CORPUS

BENEFITS_LEAD = "The creation of cross-sectoral and interregional collaborations with other organizations provides " \
    "numerous benefits, such as:"
CONSEILS_LEAD = "Face à ces constats, voici 11 conseils pour réussir ses collaborations intersectorielles :"


@pytest.fixture(scope="module")
def passages():
    documents, _ = load_documents(CORPUS)
    return split_all(documents)


def _with(passages, words: str):
    (found,) = [passage for passage in passages if words in passage.text]
    return found


def test_a_lead_in_and_a_short_list_make_one_passage(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "meetings.md").write_text(
        "# Partner meetings\n\n"
        "Partners who meet often trust each other sooner, and the first meeting sets the tone.\n\n"
        "Before the first meeting, agree on three things:\n\n"
        "- who leads the meeting and writes the minutes;\n"
        "- how often you meet, and where;\n"
        "- what you share about a young person, and with whose consent.\n\n"
        "Each partner then names one contact person who answers the others within two working days.\n",
        encoding="utf-8",
    )
    (document,) = load_documents(corpus)[0]
    pieces = split_passages(document)
    (lead_in,) = [piece for piece in pieces if "agree on three things:" in piece.text]
    assert lead_in.kind == "list" and lead_in.role == TEXT and lead_in.lead == ""
    assert lead_in.text.startswith("Before the first meeting") and lead_in.text.endswith("with whose consent.")
    assert document.text[lead_in.start : lead_in.end] == lead_in.text  # one span of the document
    assert not any(piece.text.rstrip().endswith(":") for piece in pieces)  # no lead-in alone


@pytest.mark.parametrize(
    ("lead", "first", "count"),
    [
        (BENEFITS_LEAD, "Enriches the understanding of complex and systemic issue", 6),
        (CONSEILS_LEAD, "Reconnaissez la nécessité et les avantages", 11),
    ],
)
def test_a_long_list_repeats_its_lead_in_before_each_passage(passages, lead, first, count):
    carrying = [passage for passage in passages if passage.text.startswith(lead)]
    assert len(carrying) == count  # every passage of the list, in both seed languages
    assert all(passage.word_count <= MAX_WORDS and passage.role == TEXT for passage in carrying)
    assert not [passage for passage in passages if passage.text.strip() == lead]  # never cited alone
    assert all(passage.own_text not in lead for passage in carrying)
    assert any(first in passage.text for passage in carrying)
    # the quotes set among the list's items stay passages of their own, without the lead-in
    quote = _with(passages, "If you do not take the first step")
    assert quote.lead == "" and quote.role == TESTIMONIAL


def test_a_lead_in_left_without_its_list_is_not_citable(passages):
    orphan = _with(passages, "Des conditions favorables à la collaboration ont été identifiées")
    assert orphan.role == LEAD_IN and not orphan.citable


def test_a_short_passage_opens_on_its_heading(passages):
    substance = _with(passages, "Reduces substance abuse;")
    assert substance.text == "Impacts of the collaboration — Reduces substance abuse;"
    assert substance.lead == "Impacts of the collaboration — " and substance.own_text == "Reduces substance abuse;"
    workload = _with(passages, "Lightens the workload of intervention workers")
    assert workload.text.startswith("How the institutional sector benefits from this collaboration — Lightens")
    for passage in passages:
        words = len(passage.own_text.split())
        if passage.citable and passage.section and words < SHORT_PASSAGE_WORDS:
            assert passage.lead, passage.text
        if len(passage.own_text.split()) >= SHORT_PASSAGE_WORDS and not passage.text.startswith(
            (BENEFITS_LEAD, CONSEILS_LEAD)
        ):
            assert passage.lead == "", passage.text


def test_closing_lines_are_set_apart_and_not_cited(passages):
    completed = _with(passages, "You have just completed the alliance!")
    assert completed.role == CLOSING and not completed.citable
    created = _with(passages, "You have just created an alliance")
    assert created.own_text.endswith("between the community sector and the institutional sector!")
    assert created.role == CLOSING
    rest = _with(passages, "This is exactly what Justice Alternative du Suroît")
    assert rest.role == TEXT and rest.start > created.end


def test_reference_entries_are_not_cited(passages):
    entries = [passage for passage in passages if passage.section == ("References",)]
    assert [passage.role for passage in entries].count(REFERENCE) == 5
    assert _with(passages, "Health Nexus. (2017). Planning for partnership.").role == REFERENCE
    # the credits paragraph under the same heading is text, not an entry
    assert _with(passages, "This project is the result of a collaboration").role == TEXT


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("Health Nexus. (2017). Planning for partnership. Recovered from (PDF)", REFERENCE),
        ("Leclerc, B-S. et Lessard, S. (2015). Évaluation de la qualité d’un partenariat. Récupéré de "
         "https://example.org/rapport.pdf", REFERENCE),
        ("Gouvernement du Québec (s. d.). Guide des partenariats.", REFERENCE),
        ("https://example.org/guide https://example.org/annexe", REFERENCE),
        ("Smith, J. Partnering well. Journal of Practice, 12(3). doi: 10.1000/xyz123", REFERENCE),
        ("Selon Dupont (2017), les partenaires qui se rencontrent chaque mois se font davantage confiance.", TEXT),
        ("Le guide est disponible sur le site du ministère, avec des exemples d'ententes.", TEXT),
        ("Lire la suite", NAVIGATION),
        ("Page 2 of 4", NAVIGATION),
        ("Back to the previous section", NAVIGATION),
        ("Next, each partner names a contact person who answers the others within two days.", TEXT),
        ("You have just completed the alliance!", CLOSING),
        ("Vous venez de terminer la trousse !", CLOSING),
        ("Félicitations!", CLOSING),
        ("Voici nos conseils :", LEAD_IN),
        ("« On a besoin de partenaires. »\n— Actrice du milieu institutionnel", TEXT),
    ],
)
def test_roles_follow_general_patterns(text, role):
    assert passage_role(text) == role


def test_a_quotation_alone_is_a_testimonial():
    assert passage_role("« On a besoin de partenaires. »\n— Actrice du milieu", "quote") == TESTIMONIAL


def test_only_a_question_asking_for_references_lets_them_answer():
    assert REFERENCE in cited_roles("Is there an English-language reference on planning a partnership?")
    assert REFERENCE in cited_roles("Une bibliographie sur le partenariat?")
    assert REFERENCE not in cited_roles("Comment prendre des références vers un organisme?")  # a referral
    assert REFERENCE not in cited_roles("Health Nexus planning for partnership")


def test_roles_and_leads_are_saved_with_the_index(bundled_index, passages):
    by_id = {passage.passage_id: passage for passage in passages}
    assert len(bundled_index.passages) == len(passages)
    for loaded in bundled_index.passages:
        fresh = by_id[loaded.passage_id]
        assert (loaded.role, loaded.lead, loaded.text) == (fresh.role, fresh.lead, fresh.text)
    assert {passage.role for passage in bundled_index.passages} >= {TEXT, TESTIMONIAL, REFERENCE, CLOSING, LEAD_IN}


def test_a_reference_entry_stays_in_its_document_but_is_never_an_answer(searcher):
    entry = next(p for p in searcher.index.passages if p.text.startswith("Health Nexus. (2017)"))
    client = create_app({"SEARCHER": searcher, "TESTING": True}).test_client()
    page = client.get(f"/documents/{entry.doc_id}")
    assert page.status_code == 200 and "Health Nexus. (2017). Planning for partnership." in page.get_data(as_text=True)
    shown = client.get(f"/api/documents/{entry.doc_id}").get_json()
    assert entry.passage_id in {passage["id"] for passage in shown["passages"]}
    for question in ("Health Nexus planning for partnership", "How do I plan for a partnership?",
                     "Planifier un partenariat", *[text for _, text in STARTERS]):
        hits = searcher.ask(question, k=10).hits
        assert all(hit.passage.citable for hit in hits), question
        assert entry.passage_id not in {hit.passage.passage_id for hit in hits}
    # …unless the question asks for references
    asked = searcher.ask("Is there an English-language reference on planning a partnership?", k=5)
    assert entry.passage_id in {hit.passage.passage_id for hit in asked.hits}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_first_starter_question_opens_on_passages_that_stand_alone(searcher, lang):
    question = next(text for language, text in STARTERS if language == lang and "police" in text)
    hits = searcher.ask(question, k=3).hits
    assert len(hits) == 3
    for hit in hits:
        passage = hit.passage
        assert passage.role == TEXT, passage.text  # no reference entry, no testimonial, no closing line
        assert passage.kind != "quote" and not passage.text.rstrip().endswith(":"), passage.text


def test_a_question_about_obstacles_gets_no_closing_line(searcher):
    for question in ("What gets in the way of collaboration between organisations?",
                     "Quels obstacles à la collaboration entre organismes?"):
        assert all(hit.passage.role not in {CLOSING, LEAD_IN} for hit in searcher.ask(question, k=10).hits)


def test_highlights_mark_a_passages_own_words_not_its_lead(searcher):
    question = "What are the benefits of cross-sectoral collaboration?"
    hits = searcher.ask(question, k=10).hits  # with their highlights
    led = [hit for hit in hits if hit.passage.lead.startswith(BENEFITS_LEAD)]
    assert led  # items of the benefits list, each opening on the lead-in
    for hit in led:
        assert all(start >= len(hit.passage.lead) for start, _ in hit.highlights), hit.passage.text
    assert any(hit.highlights for hit in led)


def _long_list_document(tmp_path, lead_in: str):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    items = "".join(
        f"- Step {number}: the partners meet, compare what each of them knows about the young person, agree on "
        f"who calls the family this week and write down what was decided, so that nobody repeats it.\n"
        for number in range(1, 8)
    )
    (corpus / "steps.md").write_text(f"# Working together\n\n{lead_in}\n\n{items}", encoding="utf-8")
    (document,) = load_documents(corpus)[0]
    return split_passages(document)


def test_only_the_last_sentence_of_a_lead_in_paragraph_is_repeated(tmp_path):
    pieces = _long_list_document(
        tmp_path, "Partners often start without a plan. Here is how a follow-up usually goes, week after week:")
    assert pieces[0].text == "Partners often start without a plan." and pieces[0].role == TEXT
    lead = "Here is how a follow-up usually goes, week after week:"
    steps = pieces[1:]
    assert len(steps) == 7 and all(piece.text.startswith(lead) for piece in steps)
    assert steps[0].lead == "" and all(piece.lead == f"{lead}\n" for piece in steps[1:])  # the first holds it
    assert all(piece.word_count <= MAX_WORDS for piece in pieces)


def test_a_lead_in_too_long_to_repeat_stays_alone(tmp_path):
    lead_in = "Here is " + " ".join(["how partners who have worked together for years"] * 7) + " go about it:"
    pieces = _long_list_document(tmp_path, lead_in)
    assert pieces[0].text == lead_in and pieces[0].role == LEAD_IN and not pieces[0].citable
    assert all(piece.lead == "" and piece.role == TEXT for piece in pieces[1:])
