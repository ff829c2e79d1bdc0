"""Read each kind of file into plain structured text ("# heading", "- item" lines)."""

from __future__ import annotations

import codecs
import io
import logging
import re

from assistant.ingest.files import UnreadableFile
from assistant.ingest.limits import FileLimits, megabytes
from assistant.ingest.unpack import check_docx, pdf_configuration

log = logging.getLogger(__name__)

# UTF-32 first: its little-endian mark begins with UTF-16's.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def too_much_text(length: int, limits: FileLimits) -> None:
    """Refuse a text over the limit, saying how to raise it."""
    if length > limits.text_chars:
        raise UnreadableFile(
            f"its text is over the limit of {limits.text_chars:,} characters for one file "
            "(set ASSISTANT_MAX_TEXT_CHARS to raise it)"
        )


def decode_text(raw: bytes) -> str:
    """Return a text file's content: UTF-16/32 with a byte-order mark, else UTF-8, else Windows-1252."""
    for mark, encoding in _BYTE_ORDER_MARKS:
        if raw.startswith(mark):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError as error:
                raise UnreadableFile(f"not valid {encoding.upper()} text") from error
    if b"\x00" in raw[:4096]:
        raise UnreadableFile("binary content, not text")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("neither UTF-8 nor Windows-1252 text")


def read_text(raw: bytes, limits: FileLimits) -> str:
    """Return a text or Markdown file's content."""
    too_much_text(len(raw) // 4, limits)  # four bytes at most per character: surely too long
    text = decode_text(raw)
    too_much_text(len(text), limits)
    return text


def read_html(raw: bytes, limits: FileLimits) -> str:
    """Return the main content of a web page as Markdown-like text, without menus."""
    import trafilatura

    html = decode_text(raw)
    # Markup around the text: a page holding the most text allowed is a few times longer.
    if len(html) > 10 * limits.text_chars:
        too_much_text(len(html) // 10, limits)
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


def read_pdf(raw: bytes, limits: FileLimits) -> str:
    """Return the text of a PDF, page after page, each stream unpacked within the limit."""
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import LimitReachedError, PdfReadError

    pages: list[str] = []
    length = 0
    try:
        with apply_configuration(**pdf_configuration(limits)):
            reader = PdfReader(io.BytesIO(raw))
            if reader.is_encrypted:
                raise UnreadableFile("encrypted PDF")
            for page in reader.pages:
                pages.append(page.extract_text() or "")
                length += len(pages[-1])
                too_much_text(length, limits)
    except LimitReachedError as error:
        raise UnreadableFile(
            f"a stream of the PDF unpacks to more than the {megabytes(limits.unpacked_bytes)} limit "
            "(set ASSISTANT_MAX_UNPACKED_MB to raise it)"
        ) from error
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


def read_docx(raw: bytes, limits: FileLimits) -> str:
    """Return a Word document's paragraphs, headings and list items as structured text."""
    import zipfile

    from docx import Document as open_docx
    from docx.opc.exceptions import PackageNotFoundError

    check_docx(raw, limits)  # before python-docx unpacks every part into memory
    try:
        document = open_docx(io.BytesIO(raw))
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
