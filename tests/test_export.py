"""Excerpts exported to Markdown and DOCX, each with its reference, from the module and the CLI."""

from __future__ import annotations

import io
import re
import zipfile
from types import SimpleNamespace

import docx
import pytest
from docx.oxml.ns import qn

from assistant.export import (
    NNBSP,
    UnknownPassages,
    collect_excerpts,
    default_language,
    export_excerpts,
    french_spacing,
    to_docx,
    to_markdown,
)


@pytest.fixture(scope="module")
def five_ids(searcher) -> list[str]:
    """Return five passages a trainer would collect: three French, two English."""
    french = searcher.ask("Quels sont les obstacles à la collaboration avec la police ?", k=6)
    english = searcher.ask("What are the benefits of cross-sectoral collaboration?", k=6)
    french_ids = [hit.passage.passage_id for hit in french.hits if hit.passage.lang == "fr"][:3]
    english_ids = [hit.passage.passage_id for hit in english.hits if hit.passage.lang == "en"][:2]
    assert len(french_ids) == 3 and len(english_ids) == 2
    return [french_ids[0], english_ids[0], french_ids[1], english_ids[1], french_ids[2]]


def _first_line(excerpt) -> str:
    line = excerpt.text.splitlines()[0].strip()
    return french_spacing(line) if excerpt.lang == "fr" else line


def _docx_text(path_or_stream) -> tuple[list[str], list[tuple[str, str]]]:
    """Return all paragraph texts and (style, text) pairs of a DOCX."""
    document = docx.Document(path_or_stream)
    paragraphs = [(paragraph.style.name, paragraph.text) for paragraph in document.paragraphs]
    return [text for _, text in paragraphs], paragraphs


def test_docx_holds_each_excerpt_in_order_with_its_reference(bundled_index, five_ids, tmp_path):
    excerpts = collect_excerpts(bundled_index, five_ids)
    path = tmp_path / "extraits.docx"
    path.write_bytes(to_docx(excerpts, "fr"))

    texts, styled = _docx_text(path)
    assert texts[0] == "Mes extraits"
    headings = [text for style, text in styled if style == "Heading 1"]
    expected = [f"Extrait {n} — {excerpt.title}" for n, excerpt in enumerate(excerpts, 1)]
    assert headings[:5] == expected
    assert headings[5] == "Références"
    quotes = " ".join(text for style, text in styled if style == "Quote")
    for excerpt in excerpts:
        first_line = _first_line(excerpt)
        assert first_line in quotes
        assert f"Organisme{NNBSP}: {french_spacing(excerpt.organisation)}" in texts
        if excerpt.section:
            assert f"Section{NNBSP}: {french_spacing(excerpt.section)}" in texts
    # The quotes come in the order the trainer chose.
    positions = [quotes.index(_first_line(excerpt)) for excerpt in excerpts]
    assert positions == sorted(positions)
    # One reference per cited document, after the excerpts, in French typography.
    references = texts[texts.index("Références") + 1 :]
    assert len(references) == len({excerpt.doc_id for excerpt in excerpts})
    assert all(reference.startswith(f"[{n}] ") for n, reference in enumerate(references, 1))
    assert any(f"«{NNBSP}Obstacles à la collaboration" in reference for reference in references)
    assert docx.Document(path).core_properties.language == "fr-CA"
    # Each quote is marked with its own language, for the spelling checker and screen readers.
    quote_languages = [
        paragraph.runs[0]._r.rPr.find(qn("w:lang")).get(qn("w:val"))
        for paragraph in docx.Document(path).paragraphs
        if paragraph.style.name == "Quote"
    ]
    assert {"fr-CA", "en-CA"} <= set(quote_languages)


def test_links_go_to_the_public_address_or_nowhere(bundled_index, five_ids):
    public = collect_excerpts(bundled_index, five_ids[:1], public_url="https://assistant.example.org/")[0]
    assert public.link == f"https://assistant.example.org/documents/{public.doc_id}#p-{public.passage_id}"
    assert public.document_link == f"https://assistant.example.org/documents/{public.doc_id}"
    alone = collect_excerpts(bundled_index, five_ids[:1])[0]
    assert alone.link is None and alone.address == f"/documents/{alone.doc_id}#p-{alone.passage_id}"
    markdown = to_markdown([alone], "en")
    assert f"`{alone.address}` (address in the assistant" in markdown and "http" not in markdown


def _hyperlinks(data: bytes) -> list[str]:
    """Return the targets of the DOCX's real hyperlinks (w:hyperlink with an external r:id)."""
    document = docx.Document(io.BytesIO(data))
    targets = {rel_id: rel.target_ref for rel_id, rel in document.part.rels.items() if rel.is_external}
    return [targets[node.get(qn("r:id"))] for node in document.element.body.iter(qn("w:hyperlink"))]


def _all_docx_text(data: bytes) -> str:
    """Return every XML part of a DOCX as text (body, relationships, properties)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def test_docx_has_real_hyperlinks_to_the_source_or_public_address(bundled_index, five_ids):
    from dataclasses import replace

    # One document whose manifest entry gives a web address as its source.
    first = bundled_index.passage(five_ids[0])
    document = bundled_index.documents[first.doc_id]
    own = "https://www.example.org/trousse/obstacles"
    documents = {**bundled_index.documents, first.doc_id: replace(document, source=own)}
    index = SimpleNamespace(passage=bundled_index.passage, documents=documents)
    excerpts = collect_excerpts(index, five_ids, public_url="https://assistant.example.org")
    data = to_docx(excerpts, "fr")
    links = _hyperlinks(data)
    for excerpt in excerpts:
        expected = own if excerpt.doc_id == first.doc_id else (
            f"https://assistant.example.org/documents/{excerpt.doc_id}#p-{excerpt.passage_id}"
        )
        assert expected in links
    assert "127.0.0.1" not in _all_docx_text(data) and "localhost" not in _all_docx_text(data)
    markdown = to_markdown(excerpts, "fr")
    assert f"<{own}>" in markdown and "127.0.0.1" not in markdown


def test_french_exports_use_narrow_no_break_spaces(bundled_index, five_ids):
    excerpts = collect_excerpts(bundled_index, five_ids, public_url="https://assistant.example.org")
    markdown = to_markdown(excerpts, "fr")
    texts, _ = _docx_text(io.BytesIO(to_docx(excerpts, "fr")))
    # English passages are quoted as they are written ("find out more about : the benefits").
    quoted = [" ".join(excerpt.text.split()) for excerpt in excerpts if excerpt.lang != "fr"]
    for text in (markdown, "\n".join(texts)):
        for passage in quoted:
            text = text.replace(passage, "")
        assert f"{NNBSP}:" in text and f"«{NNBSP}" in text and f"{NNBSP}»" in text
        # No ordinary or wide no-break space before : ; ! ? or inside « », links untouched.
        assert not re.search(r"[ \u00a0][:;!?](\s|$)", text), re.search(r".{20}[ \u00a0][:;!?](\s|$)", text)
        assert not re.search(r"«[ \u00a0]|[ \u00a0]»", text)
        assert "https://assistant.example.org/documents/" in text
    english = to_markdown(excerpts, "en")
    assert NNBSP not in english.replace(NNBSP + "»", "").split("## References")[0].split("> ")[0]


def test_exports_use_the_words_of_the_page():
    from assistant.export import _LABELS
    from assistant.web.i18n import strings

    for lang in ("fr", "en"):
        page = strings(lang)
        for key in ("organisation", "section", "source", "year"):
            assert _LABELS[lang][key] == page[key].replace("\u2019", "'"), (lang, key)
    assert _LABELS["fr"]["organisation"] == "Organisme"


def test_web_export_ignores_the_request_host(searcher, bundled_settings, five_ids):
    from dataclasses import replace

    from assistant.web import create_app
    from assistant.web.hosts import allowed_hosts

    # A name the host check lets through (a deployment's), so that only the links are tested here.
    hosts = allowed_hosts(None, ["evil.example"])
    app = create_app({"SEARCHER": searcher, "ALLOWED_HOSTS": hosts,
                      "SETTINGS": replace(bundled_settings, public_url="https://assistant.example.org")})
    client = app.test_client()
    body = {"passages": five_ids, "format": "docx", "lang": "fr"}
    response = client.post("/api/export", json=body, headers={"Host": "evil.example:8000"})
    assert response.status_code == 200
    text = _all_docx_text(response.data)
    assert "evil.example" not in text and "127.0.0.1" not in text
    assert f"https://assistant.example.org/documents/{searcher.index.passage(five_ids[0]).doc_id}" in text
    markdown = client.post("/api/export", json={**body, "format": "md"}, headers={"Host": "evil.example"}).data
    assert b"evil.example" not in markdown and b"https://assistant.example.org/documents/" in markdown

    # Without a public address: the path in the assistant, no host at all.
    bare = create_app({"SEARCHER": searcher, "SETTINGS": bundled_settings, "ALLOWED_HOSTS": hosts}).test_client()
    markdown = bare.post("/api/export", json={**body, "format": "md"}, headers={"Host": "evil.example"}).data
    assert b"evil.example" not in markdown and b"http://" not in markdown and b"/documents/" in markdown


def test_markdown_in_english_labels_and_reference_list(bundled_index, five_ids):
    excerpts = collect_excerpts(bundled_index, five_ids)
    markdown = to_markdown(excerpts, "en")
    assert markdown.startswith("# My excerpts\n")
    assert markdown.count("\n## Excerpt ") == 5
    assert "\n## References\n" in markdown
    body, references = markdown.split("\n## References\n")
    for excerpt in excerpts:
        assert f"> {excerpt.text.splitlines()[0]}" in body
        assert excerpt.address in body
    assert "- **Language**: French" in body and "- **Language**: English" in body
    assert "“Benefits of creating cross-sectoral" in references
    assert "Mes extraits" not in markdown


def test_year_and_missing_fields(bundled_index, five_ids):
    from dataclasses import replace

    first = collect_excerpts(bundled_index, five_ids[:1])[0]
    excerpt = replace(first, year=2021, organisation=None)
    markdown = to_markdown([excerpt], "fr")
    assert f"- **Année**{NNBSP}: 2021" in markdown
    assert "Organisme" not in markdown
    assert markdown.rstrip().endswith("2021.")


def test_unknown_ids_are_named(bundled_index, five_ids):
    with pytest.raises(UnknownPassages) as caught:
        collect_excerpts(bundled_index, [five_ids[0], "no-such-passage"])
    assert caught.value.missing == ["no-such-passage"]
    with pytest.raises(ValueError):
        export_excerpts([], "pdf")


def test_default_language_follows_the_excerpts(bundled_index, five_ids):
    assert default_language(collect_excerpts(bundled_index, five_ids)) == "fr"
    assert default_language(collect_excerpts(bundled_index, [five_ids[1], five_ids[3]])) == "en"


def test_cli_exports_docx_and_markdown(runner, five_ids, tmp_path):
    target = tmp_path / "session.docx"
    result = runner("export", *five_ids, "-o", str(target), "--lang", "en")
    assert result.exit_code == 0, result.output
    texts, _ = _docx_text(target)
    assert texts[0] == "My excerpts"
    assert sum(text.startswith("Excerpt ") for text in texts) == 5

    result = runner("export", *five_ids, "--format", "md")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Mes extraits")
    assert result.output.count("## Extrait ") == 5

    result = runner("export", five_ids[0], "Marie Tremblay", "-o", str(target))
    assert result.exit_code == 2
    assert "Tremblay" not in result.output and "number 2 of those given" in result.output
