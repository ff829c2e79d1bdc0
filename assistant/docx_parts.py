"""Pieces of a Word document python-docx has no call for: hyperlinks and language marks."""

from __future__ import annotations


def add_hyperlink(paragraph, url: str, text: str, size=None) -> None:
    """Add a real hyperlink (a w:hyperlink with an external relationship) to a paragraph."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    relationship = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    hyperlink = OxmlElement("w:hyperlink")
    hyperlink.set(qn("r:id"), relationship)
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    color = OxmlElement("w:color")
    color.set(qn("w:val"), "0B5CAD")
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    properties.extend([color, underline])
    if size is not None:
        for tag in ("w:sz", "w:szCs"):
            half_points = OxmlElement(tag)
            half_points.set(qn("w:val"), str(int(size.pt * 2)))
            properties.append(half_points)
    run.append(properties)
    content = OxmlElement("w:t")
    content.text = text
    content.set(qn("xml:space"), "preserve")
    run.append(content)
    hyperlink.append(run)
    paragraph._p.append(hyperlink)


def set_run_language(run, tag: str | None) -> None:
    """Mark one run as written in `tag` (an English excerpt in a French file, say)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    if tag:
        language = OxmlElement("w:lang")
        language.set(qn("w:val"), tag)
        run._r.get_or_add_rPr().append(language)


def set_proofing_language(word, tag: str) -> None:
    """Mark the default text as written in `tag`, so Word checks the right spelling."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run_properties = word.styles["Normal"].element.get_or_add_rPr()
    language = run_properties.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        run_properties.append(language)
    language.set(qn("w:val"), tag)
