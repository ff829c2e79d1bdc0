"""Read each kind of file into plain structured text ("# heading", "- item" lines)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

log = logging.getLogger(__name__)


class UnreadableFile(Exception):
    """A file that exists but whose text cannot be extracted."""


def read_text(path: Path) -> str:
    """Return a text or Markdown file's content, trying UTF-8 then Windows-1252."""
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise UnreadableFile("binary content, not text")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("neither UTF-8 nor Windows-1252 text")


def read_html(path: Path) -> str:
    """Return the main content of a web page as Markdown-like text, without menus."""
    import trafilatura

    html = read_text(path)
    extracted = trafilatura.extract(
        html,
        output_format="markdown",
        include_formatting=False,
        include_links=False,
        include_images=False,
        include_tables=True,
        include_comments=False,
        favor_recall=True,
    )
    if extracted and extracted.strip():
        title = _html_title(html)
        if title and not extracted.lstrip().startswith("#"):
            extracted = f"# {title}\n\n{extracted}"
        return extracted
    return _html_fallback(html)


def _html_title(html: str) -> str | None:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    heading = soup.find("h1")
    if heading and heading.get_text(strip=True):
        return heading.get_text(" ", strip=True)
    if soup.title and soup.title.get_text(strip=True):
        return soup.title.get_text(" ", strip=True)
    return None


def _html_fallback(html: str) -> str:
    """Walk the HTML when trafilatura finds no main content (very short pages)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "aside", "form", "noscript"]):
        tag.decompose()
    lines: list[str] = []
    for element in soup.find_all(["h1", "h2", "h3", "h4", "p", "li", "blockquote"]):
        text = element.get_text(" ", strip=True)
        if not text:
            continue
        if element.name.startswith("h"):
            lines.append("#" * int(element.name[1]) + " " + text)
        elif element.name == "li":
            lines.append("- " + text)
        else:
            lines.append(text)
        lines.append("")
    return "\n".join(lines)


def read_pdf(path: Path) -> str:
    """Return the text of a PDF, page after page."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise UnreadableFile("encrypted PDF")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise UnreadableFile(f"not a readable PDF ({error})") from error
    text = "\n\n".join(pages)
    if not text.strip():
        raise UnreadableFile("the PDF holds no extractable text (scanned images?)")
    # Words hyphenated across lines by the layout: "collabo-\nration" → "collaboration".
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    return _reflow_wrapped_lines(text)


# A PDF line wrapped inside a sentence: no closing punctuation, next line starts in lower case.
_WRAPPED_LINE = re.compile(r"(?<=[\w,’'%)])[ \t]*\n(?=[ \t]*[a-zàâçéèêëîïôûùüÿœæ(])")


def _reflow_wrapped_lines(text: str) -> str:
    """Join the lines of a PDF that the layout, not the author, broke mid-sentence."""
    return _WRAPPED_LINE.sub(" ", text)


def read_docx(path: Path) -> str:
    """Return a Word document's paragraphs, headings and list items as structured text."""
    import zipfile

    from docx import Document as open_docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = open_docx(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise UnreadableFile(f"not a readable DOCX ({error})") from error
    lines: list[str] = []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        heading = re.match(r"(?:Heading|Titre)\s*(\d)", style, re.IGNORECASE)
        if style.lower() == "title":
            lines.append("# " + text)
        elif heading:
            lines.append("#" * (int(heading.group(1)) + 1) + " " + text)
        elif "list" in style.lower() or paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None:
            lines.append("- " + text)
        else:
            lines.append(text)
        lines.append("")
    for table in document.tables:
        for row in table.rows:
            cells = [cell.text.strip() for cell in row.cells if cell.text.strip()]
            if cells:
                lines.append(" — ".join(dict.fromkeys(cells)))
                lines.append("")
    return "\n".join(lines)


READERS = {
    ".txt": read_text,
    ".md": read_text,
    ".markdown": read_text,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".docx": read_docx,
}
