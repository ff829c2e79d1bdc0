"""Excerpts exported to Markdown and DOCX, each with its reference, from the module and the CLI."""

from __future__ import annotations

import docx
import pytest
from docx.oxml.ns import qn

from assistant.export import (
    UnknownPassages,
    collect_excerpts,
    default_language,
    export_excerpts,
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
        first_line = excerpt.text.splitlines()[0].strip()
        assert first_line in quotes
        assert f"Organisation : {excerpt.organisation}" in texts
        if excerpt.section:
            assert f"Section : {excerpt.section}" in texts
    # The quotes come in the order the trainer chose.
    positions = [quotes.index(excerpt.text.splitlines()[0].strip()) for excerpt in excerpts]
    assert positions == sorted(positions)
    # One reference per cited document, after the excerpts, in French typography.
    references = texts[texts.index("Références") + 1 :]
    assert len(references) == len({excerpt.doc_id for excerpt in excerpts})
    assert all(reference.startswith(f"[{n}] ") for n, reference in enumerate(references, 1))
    assert any("« Obstacles à la collaboration" in reference for reference in references)
    assert docx.Document(path).core_properties.language == "fr-CA"
    # Each quote is marked with its own language, for the spelling checker and screen readers.
    quote_languages = [
        paragraph.runs[0]._r.rPr.find(qn("w:lang")).get(qn("w:val"))
        for paragraph in docx.Document(path).paragraphs
        if paragraph.style.name == "Quote"
    ]
    assert {"fr-CA", "en-CA"} <= set(quote_languages)


def test_links_can_be_made_absolute(bundled_index, five_ids):
    excerpt = collect_excerpts(bundled_index, five_ids[:1], base_url="http://127.0.0.1:8000/")[0]
    assert excerpt.url == f"http://127.0.0.1:8000/documents/{excerpt.doc_id}#p-{excerpt.passage_id}"


def test_markdown_in_english_labels_and_reference_list(bundled_index, five_ids):
    excerpts = collect_excerpts(bundled_index, five_ids)
    markdown = to_markdown(excerpts, "en")
    assert markdown.startswith("# My excerpts\n")
    assert markdown.count("\n## Excerpt ") == 5
    assert "\n## References\n" in markdown
    body, references = markdown.split("\n## References\n")
    for excerpt in excerpts:
        assert f"> {excerpt.text.splitlines()[0]}" in body
        assert excerpt.url in body
    assert "- **Language**: French" in body and "- **Language**: English" in body
    assert "“Benefits of creating cross-sectoral" in references
    assert "Mes extraits" not in markdown


def test_year_and_missing_fields(bundled_index, five_ids):
    from dataclasses import replace

    first = collect_excerpts(bundled_index, five_ids[:1])[0]
    excerpt = replace(first, year=2021, organisation=None)
    markdown = to_markdown([excerpt], "fr")
    assert "- **Année** : 2021" in markdown
    assert "Organisation" not in markdown
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

    result = runner("export", "nope", "-o", str(target))
    assert result.exit_code == 2
    assert "nope" in result.output
