"""Ingestion: every format read, web chrome removed, structure kept, bad files skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ingest import load_documents, read_manifest
from assistant.ingest.manifest import ManifestError

from .conftest import CORPUS

CHROME = [
    "Skip to primary navigation",
    "Skip to main content",
    "Follow the YWCA Montreal",
    "Share this page",
    "Share on facebook",
    "sidebar",
    "close menu",
    "The Collaborative Tools",
    "Recommencer au début",
]


@pytest.fixture(scope="module")
def bundled_documents():
    documents, problems = load_documents(CORPUS)
    assert problems == []
    return {document.path[:3]: document for document in documents}


def test_manifest_describes_every_seed():
    entries = read_manifest(CORPUS)
    assert len(entries) == 5
    assert entries["002_d4cb2b515e86ae05.txt"].translation_of == entries["000_a0c24d8520b00f88.txt"].doc_id
    assert {entry.lang for entry in entries.values()} == {"en", "fr"}
    assert all(entry.title and entry.organisation and entry.source for entry in entries.values())


def test_web_page_chrome_is_removed(bundled_documents):
    text = bundled_documents["000"].text
    for chrome in CHROME:
        assert chrome not in text, chrome
    assert text.startswith("Benefits of creating cross-sectoral")
    assert "This project is the result of a collaboration between the following organizations" in text
    assert "Health Nexus. (2017). Planning for partnership." in text


def test_structure_is_kept(bundled_documents):
    blocks = bundled_documents["004"].blocks
    headings = [block.text for block in blocks if block.kind == "heading"]
    assert "UN BUDGET POUR LES COLLABORATIONS" in headings
    assert "Une vision et des objectifs communs" in headings
    items = [block.text for block in blocks if block.kind == "item"]
    assert "Services de police." in items
    assert not any("**" in block.text for block in blocks)
    quotes = [block for block in bundled_documents["003"].blocks if block.kind == "quote"]
    assert len(quotes) == 3
    numbered = [block.text for block in bundled_documents["000"].blocks if block.kind == "item"]
    assert numbered[0].startswith("Enriches the understanding")


def test_offsets_point_into_the_cleaned_text(bundled_documents):
    for document in bundled_documents.values():
        for block in document.blocks:
            assert document.text[block.start : block.end] == block.text


def test_file_without_manifest_entry_gets_title_and_language(tmp_path: Path):
    (tmp_path / "guide-partenariat.md").write_text(
        "# Guide du partenariat avec la police\n\n"
        "Pour démarrer un partenariat avec le service de police, commencez par une rencontre "
        "avec l'agent sociocommunautaire de votre secteur.\n",
        encoding="utf-8",
    )
    documents, problems = load_documents(tmp_path)
    assert problems == []
    (document,) = documents
    assert document.title == "Guide du partenariat avec la police"
    assert document.lang == "fr"
    assert document.doc_id == "guide-partenariat"


def test_html_pdf_docx_are_read(tmp_path: Path):
    from docx import Document as new_docx
    from fpdf import FPDF

    (tmp_path / "page.html").write_text(
        "<html><head><title>Partnership guide</title></head><body>"
        "<nav><ul><li>Home</li><li>About</li><li>Contact</li></ul></nav>"
        "<main><h1>Working with school partners</h1>"
        "<p>Schools are key partners for prevention: meet the principal early and agree on a "
        "shared protocol for referrals of youth at risk of sexual exploitation.</p>"
        "<ul><li>Meet the principal.</li><li>Agree on a referral protocol.</li></ul></main>"
        "<footer>Share on Facebook</footer></body></html>",
        encoding="utf-8",
    )
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 8, "Entente de collaboration\n\nLes partenaires s'engagent à échanger "
                   "l'information nécessaire, avec l'accord du jeune, dans le respect de la confidentialité.")
    pdf.output(str(tmp_path / "entente.pdf"))
    document = new_docx()
    document.add_heading("Protocole d'entente", level=1)
    document.add_paragraph("Le protocole précise les rôles de chaque organisme et la fréquence des rencontres.")
    document.add_paragraph("Services de police.", style="List Bullet")
    document.save(str(tmp_path / "protocole.docx"))

    documents, problems = load_documents(tmp_path)
    assert problems == []
    by_name = {document.path: document for document in documents}
    html = by_name["page.html"]
    assert "meet the principal early" in html.text
    assert "Share on Facebook" not in html.text and "Contact" not in html.text
    assert "avec l'accord du jeune" in " ".join(by_name["entente.pdf"].text.split())
    docx_document = by_name["protocole.docx"]
    assert docx_document.title == "Protocole d'entente"
    assert any(block.kind == "item" and block.text == "Services de police." for block in docx_document.blocks)


def test_unreadable_files_are_skipped_and_the_rest_loaded(tmp_path: Path):
    (tmp_path / "good.txt").write_text("Une bonne communication sera claire, transparente et constante.",
                                       encoding="utf-8")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not a zip")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    documents, problems = load_documents(tmp_path)
    assert [document.path for document in documents] == ["good.txt"]
    assert sorted(problem.path for problem in problems) == ["binary.txt", "broken.docx", "broken.pdf"]
    assert all(problem.reason for problem in problems)


def test_broken_manifest_is_reported(tmp_path: Path):
    (tmp_path / "manifest.toml").write_text("[[documents]]\nid = 'x'\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="needs at least"):
        read_manifest(tmp_path)
