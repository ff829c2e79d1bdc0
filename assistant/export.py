"""Passages → a document of excerpts (Markdown or DOCX), each with its full reference."""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from datetime import date

from assistant.docx_parts import add_hyperlink, set_proofing_language, set_run_language
from assistant.errors import UserError
from assistant.index import Index
from assistant.placeholders import fill
from assistant.serialise import passage_url

log = logging.getLogger(__name__)

FORMATS = ("md", "docx")
_LANGUAGE_TAGS = {"fr": "fr-CA", "en": "en-CA"}
LANGUAGES = ("fr", "en")
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

_LABELS = {
    "fr": {
        "title": "Mes extraits",
        "exported": "Exporté le {date} — {count} extrait(s)",
        "excerpt": "Extrait",
        "document": "Document",
        "organisation": "Organisme",
        "section": "Section",
        "source": "Source",
        "year": "Année",
        "language": "Langue",
        "link": "Lien",
        "references": "Références",
        "lang_names": {"fr": "français", "en": "anglais"},
        "in_assistant": "adresse dans l'assistant, sans adresse publique configurée",
        "colon": "\u202f:",
    },
    "en": {
        "title": "My excerpts",
        "exported": "Exported on {date} — {count} excerpt(s)",
        "excerpt": "Excerpt",
        "document": "Document",
        "organisation": "Organisation",
        "section": "Section",
        "source": "Source",
        "year": "Year",
        "language": "Language",
        "link": "Link",
        "references": "References",
        "lang_names": {"fr": "French", "en": "English"},
        "in_assistant": "address in the assistant; no public address is set",
        "colon": ":",
    },
}


class UnknownPassages(UserError, LookupError):
    """Some passage ids are not in the index; .missing lists them."""

    def __init__(self, missing: list[str], positions: list[int]) -> None:
        # By position, never the ids themselves: what was typed may hold a name.
        super().__init__(f"{len(missing)} passage id(s) not in the index: number {', '.join(map(str, positions))} "
                         "of those given (the index may have been rebuilt)")
        self.missing = missing


NNBSP = "\u202f"  # French narrow no-break space


def french_spacing(text: str) -> str:
    """Return French text with narrow no-break spaces before : ; ! ? and inside « » (addresses untouched)."""
    text = re.sub(r"(?<=\S)[ \u00a0\u202f]?([;:!?])(?=\s|$|»)", NNBSP + r"\1", text)
    text = re.sub(r"«[ \u00a0\u202f]*", "«" + NNBSP, text)
    return re.sub(r"[ \u00a0\u202f]*»", NNBSP + "»", text)


def _typeset(text: str, lang: str) -> str:
    return french_spacing(text) if lang == "fr" else text


@dataclass(frozen=True)
class Excerpt:
    """One passage with everything needed to cite it.

    `link` is where a reader of the exported file can open it: the document's own source
    address when the manifest gives one, else the passage on the public address of the
    assistant (ASSISTANT_PUBLIC_URL), else None. `address` is the passage's path in the
    assistant, always known.
    """

    passage_id: str
    text: str
    lang: str
    doc_id: str
    title: str
    section: str
    organisation: str | None
    source: str | None
    year: int | None
    address: str
    link: str | None
    document_link: str | None


def _web_address(text: str | None) -> str | None:
    """Return the text when it is a web address (the manifest's source may be a description)."""
    return text if text and re.fullmatch(r"https?://\S+", text.strip()) else None


def collect_excerpts(index: Index, passage_ids: list[str], public_url: str | None = None) -> list[Excerpt]:
    """Return the excerpts for these ids, in the given order; raise UnknownPassages.

    public_url (ASSISTANT_PUBLIC_URL, e.g. "https://assistant.example.org") is where others
    reach this assistant; without it, a document with no source address has no link.
    """
    positions = [number for number, passage_id in enumerate(passage_ids, 1) if index.passage(passage_id) is None]
    if positions:
        raise UnknownPassages([passage_ids[number - 1] for number in positions], positions)
    base = public_url.rstrip("/") if public_url else None
    excerpts = []
    for passage_id in passage_ids:
        passage = index.passage(passage_id)
        assert passage is not None
        document = index.documents.get(passage.doc_id)
        own = _web_address(document.source if document else None)
        address = passage_url(passage)
        excerpts.append(
            Excerpt(
                passage_id=passage.passage_id,
                text=_clean(passage.text, passage.kind),
                lang=passage.lang,
                doc_id=passage.doc_id,
                title=document.title if document else passage.doc_id,
                section=passage.section_label,
                organisation=document.organisation if document else None,
                source=(document.source or document.path) if document else None,
                year=document.year if document else None,
                address=address,
                link=own or (base + address if base else None),
                document_link=own or (f"{base}/documents/{passage.doc_id}" if base else None),
            )
        )
    return excerpts


def _clean(text: str, kind: str) -> str:
    """Return the text on one line, except quotes, whose attribution keeps its own line."""
    return text.strip() if kind == "quote" else " ".join(text.split())


def _reference_numbers(excerpts: list[Excerpt]) -> dict[str, int]:
    """Number the cited documents in order of first appearance."""
    numbers: dict[str, int] = {}
    for excerpt in excerpts:
        numbers.setdefault(excerpt.doc_id, len(numbers) + 1)
    return numbers


def _reference_fields(excerpt: Excerpt, lang: str) -> list[tuple[str, str]]:
    """Return the (label, value) pairs of an excerpt's reference, skipping what is unknown."""
    labels = _LABELS[lang]
    fields = [
        (labels["document"], excerpt.title),
        (labels["organisation"], excerpt.organisation),
        (labels["section"], excerpt.section),
        (labels["source"], excerpt.source),
        (labels["year"], str(excerpt.year) if excerpt.year else None),
        (labels["language"], labels["lang_names"].get(excerpt.lang, excerpt.lang)),
    ]
    return [(label, _typeset(value, lang)) for label, value in fields if value]


def _citation(excerpt: Excerpt, lang: str) -> str:
    """Return a one-line bibliographic reference of an excerpt's document."""
    parts = [excerpt.organisation, f"« {excerpt.title} »" if lang == "fr" else f"“{excerpt.title}”",
             excerpt.source, str(excerpt.year) if excerpt.year else None]
    return _typeset(". ".join(part.rstrip(".") for part in parts if part) + ".", lang)


def _check(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"the export language must be one of {', '.join(LANGUAGES)}, not {lang!r}")


def _one_per_document(excerpts: list[Excerpt]) -> list[Excerpt]:
    """Return the first excerpt of each document, in order: one entry per reference."""
    first: dict[str, Excerpt] = {}
    for excerpt in excerpts:
        first.setdefault(excerpt.doc_id, excerpt)
    return list(first.values())


def _quote_lines(excerpt: Excerpt) -> list[str]:
    """Return the excerpt's lines, French ones in French typography."""
    return [_typeset(line, excerpt.lang) for line in excerpt.text.splitlines() or [excerpt.text]]


def _label(lang: str, key: str) -> str:
    labels = _LABELS[lang]
    return f"{labels[key]}{labels['colon']}"


def to_markdown(excerpts: list[Excerpt], lang: str = "fr", today: date | None = None) -> str:
    """Return the excerpts as a Markdown document in the interface language."""
    _check(lang)
    labels = _LABELS[lang]
    numbers = _reference_numbers(excerpts)
    today = today or date.today()
    exported = _typeset(fill(labels["exported"], date=today.isoformat(), count=len(excerpts)), lang)
    lines = [f"# {labels['title']}", "", f"_{exported}_", ""]
    for number, excerpt in enumerate(excerpts, start=1):
        heading = _typeset(f"{labels['excerpt']} {number} — {excerpt.title}", lang)
        lines += [f"## {heading}", ""]
        lines += [f"> {line}" if line.strip() else ">" for line in _quote_lines(excerpt)]
        lines.append("")
        for label, value in _reference_fields(excerpt, lang):
            lines.append(f"- **{label}**{labels['colon']} {value}")
        if excerpt.link:
            link = f"<{excerpt.link}> [{numbers[excerpt.doc_id]}]"
        else:
            link = f"`{excerpt.address}` ({_typeset(labels['in_assistant'], lang)}) [{numbers[excerpt.doc_id]}]"
        lines += [f"- **{labels['link']}**{labels['colon']} {link}", ""]
    lines += [f"## {labels['references']}", ""]
    for excerpt in _one_per_document(excerpts):
        where = f" <{excerpt.document_link}>" if excerpt.document_link else ""
        lines.append(f"{numbers[excerpt.doc_id]}. {_citation(excerpt, lang)}{where}")
    return "\n".join(lines) + "\n"


def to_docx(excerpts: list[Excerpt], lang: str = "fr", today: date | None = None) -> bytes:
    """Return the excerpts as a Word document (DOCX bytes) in the interface language."""
    from docx import Document as WordDocument
    from docx.shared import Pt

    _check(lang)
    labels = _LABELS[lang]
    numbers = _reference_numbers(excerpts)
    today = today or date.today()
    word = WordDocument()
    word.core_properties.title = labels["title"]
    word.core_properties.language = _LANGUAGE_TAGS[lang]
    set_proofing_language(word, _LANGUAGE_TAGS[lang])
    word.add_heading(labels["title"], level=0)
    intro = word.add_paragraph()
    exported = _typeset(fill(labels["exported"], date=today.isoformat(), count=len(excerpts)), lang)
    intro.add_run(exported).italic = True
    for number, excerpt in enumerate(excerpts, start=1):
        word.add_heading(_typeset(f"{labels['excerpt']} {number} — {excerpt.title}", lang), level=1)
        for line in _quote_lines(excerpt):
            if line.strip():
                quote = word.add_paragraph(style="Quote")
                set_run_language(quote.add_run(line.strip()), _LANGUAGE_TAGS.get(excerpt.lang))
        for label, value in _reference_fields(excerpt, lang):
            paragraph = word.add_paragraph(style="List Bullet")
            paragraph.add_run(f"{label}{labels['colon']} ").bold = True
            paragraph.add_run(value)
        paragraph = word.add_paragraph(style="List Bullet")
        paragraph.add_run(f"{labels['link']}{labels['colon']} ").bold = True
        if excerpt.link:
            add_hyperlink(paragraph, excerpt.link, excerpt.link, Pt(9))
        else:
            paragraph.add_run(excerpt.address).font.size = Pt(9)
            paragraph.add_run(f" ({_typeset(labels['in_assistant'], lang)})").italic = True
        paragraph.add_run(f" [{numbers[excerpt.doc_id]}]")
    word.add_heading(labels["references"], level=1)
    for excerpt in _one_per_document(excerpts):
        paragraph = word.add_paragraph(f"[{numbers[excerpt.doc_id]}] {_citation(excerpt, lang)}")
        if excerpt.document_link:
            paragraph.add_run(" ")
            add_hyperlink(paragraph, excerpt.document_link, excerpt.document_link)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def export_excerpts(excerpts: list[Excerpt], fmt: str, lang: str = "fr") -> bytes:
    """Return the export file's bytes in the given format ("md" or "docx")."""
    if fmt == "md":
        return to_markdown(excerpts, lang).encode("utf-8")
    if fmt == "docx":
        return to_docx(excerpts, lang)
    raise ValueError(f"the export format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def default_language(excerpts: list[Excerpt]) -> str:
    """Return the language most of the excerpts are in (French on a tie)."""
    french = sum(1 for excerpt in excerpts if excerpt.lang == "fr")
    return "fr" if french * 2 >= len(excerpts) else "en"
