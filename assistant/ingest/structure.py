"""Structured text → cleaned text and blocks: drop web chrome, find headings, items, quotes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from assistant.records import Block

_BULLET = re.compile(r"^\s*(?:[-*•▪◦–]|\d{1,2}[.)])\s+")
_LONE_NUMBER = re.compile(r"^\s*\d{1,2}\s*$")
_PAGER = re.compile(r"^\s*\d+\s*/\s*\d+\s*$")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BOLD_LINE = re.compile(r"^\s*\*\*(.+?)\*\*\s*:?\s*$")
_ATTRIBUTION = re.compile(r"^\s*[—―]\s*\S")
_QUOTE_OPEN = ("“", "«", '"', "‘", ">")
_TERMINAL = tuple(".!?;:,»”\"…)]")
_SUPERSCRIPTS = re.compile(r"[¹²³⁴⁵⁶⁷⁸⁹⁰]+")
_WORD = re.compile(r"\w+", re.UNICODE)


@cache
def _boilerplate_patterns() -> tuple[re.Pattern[str], ...]:
    text = (resources.files("assistant") / "data" / "boilerplate.txt").read_text(encoding="utf-8")
    return tuple(
        re.compile(rf"^(?:{line.strip()})$", re.IGNORECASE)
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


def _strip_bullet(line: str) -> str:
    return _BULLET.sub("", line, count=1).strip()


def _is_boilerplate(line: str) -> bool:
    bare = _strip_bullet(line).strip().strip(":").strip()
    return bool(bare) and any(pattern.match(bare) for pattern in _boilerplate_patterns())


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _is_nav_item(line: str) -> bool:
    bare = _strip_bullet(line)
    return bool(_BULLET.match(line)) and _words(bare) <= 6 and not bare.endswith(_TERMINAL)


def remove_web_chrome(lines: list[str]) -> tuple[list[str], bool]:
    """Drop navigation, share buttons and sidebars; say whether the text looked like a web page."""
    kept: list[str | None] = list(lines)
    removed = 0
    for number, line in enumerate(lines):
        if line.strip() and _is_boilerplate(line):
            kept[number] = None
            removed += 1
    # Menus: three or more short bulleted lines without sentence punctuation in a row.
    number = 0
    while number < len(lines):
        run_end = number
        while run_end < len(lines) and (
            kept[run_end] is None or not lines[run_end].strip() or _is_nav_item(lines[run_end])
        ):
            run_end += 1
        nav_lines = [i for i in range(number, run_end) if kept[i] and _is_nav_item(lines[i])]
        if len(nav_lines) >= 3:
            for i in nav_lines:
                kept[i] = None
            removed += len(nav_lines)
        number = max(run_end, number + 1)
    return [line for line in kept if line is not None], removed >= 3


@dataclass
class _Unit:
    kind: str
    text: str
    level: int = 0


def _looks_like_heading(text: str) -> bool:
    if not text or _words(text) > 14 or _words(text) == 0:
        return False
    if text.endswith(_TERMINAL) or text[0].islower() or text.startswith(_QUOTE_OPEN):
        return False
    return not _ATTRIBUTION.match(text)


def _is_caps(text: str) -> bool:
    letters = [char for char in text if char.isalpha()]
    return len(letters) >= 4 and all(char.isupper() for char in letters)


def _split_units(lines: list[str]) -> list[_Unit]:
    """Cut lines into units; paragraphs span lines only in blank-line separated text."""
    non_blank = sum(1 for line in lines if line.strip())
    blank = sum(1 for line in lines if not line.strip())
    blank_separated = non_blank and blank >= 0.3 * non_blank
    units: list[_Unit] = []
    pending_number = False
    previous_blank = True
    for raw in lines:
        line = raw.strip()
        if not line:
            previous_blank = True
            continue
        if _PAGER.match(line):
            continue
        if _LONE_NUMBER.match(line):
            pending_number = True
            previous_blank = True
            continue
        line = _SUPERSCRIPTS.sub("", line) if len(line) < 120 else line
        heading = _MD_HEADING.match(line) or _BOLD_LINE.match(line)
        if heading and heading.re is _MD_HEADING:
            units.append(_Unit("heading", heading.group(2).strip(), len(heading.group(1))))
        elif heading:
            units.append(_Unit("heading", heading.group(1).strip(), 0))
        elif _BULLET.match(line):
            units.append(_Unit("item", _strip_bullet(line)))
        elif _ATTRIBUTION.match(line):
            units.append(_Unit("attribution", line))
        elif units and units[-1].kind == "attribution" and not previous_blank and (
            _looks_like_heading(line)
        ):
            units[-1].text += " " + line  # the speaker's role, on the next line
        elif pending_number:
            units.append(_Unit("item", line))
        elif line.startswith(_QUOTE_OPEN):
            units.append(_Unit("quote", line.lstrip("> ").strip() if line.startswith(">") else line))
        elif (
            blank_separated
            and not previous_blank
            and units
            and units[-1].kind in {"paragraph", "quote", "attribution", "item"}
        ):
            units[-1].text += " " + line  # a line wrapped inside a paragraph
        else:
            units.append(_Unit("paragraph", line))
        pending_number = False
        previous_blank = False
    for unit in units:
        unit.text = re.sub(r"\*\*(.+?)\*\*", r"\1", unit.text)
        unit.text = re.sub(r"[ \t]+", " ", unit.text).strip()
    return [unit for unit in units if unit.text]


def _assign_headings(units: list[_Unit]) -> None:
    """Turn heading-like paragraphs into headings and give every heading a level."""
    for number, unit in enumerate(units):
        followed = number + 1 < len(units)
        if unit.kind == "paragraph" and followed and (
            _looks_like_heading(unit.text) or (_is_caps(unit.text) and _words(unit.text) <= 20)
        ):
            unit.kind = "heading"
    # A heading that recurs ("PISTES D'ACTION" under each theme) is a sub-heading.
    heading_counts: dict[str, int] = {}
    for unit in units:
        if unit.kind == "heading":
            heading_counts[unit.text.casefold()] = heading_counts.get(unit.text.casefold(), 0) + 1
    leading = True
    for number, unit in enumerate(units):
        if unit.kind != "heading":
            leading = False
            continue
        if unit.level:
            continue
        next_kind = units[number + 1].kind if number + 1 < len(units) else None
        if leading:
            unit.level = 1
        elif next_kind == "item" and heading_counts[unit.text.casefold()] > 1:
            unit.level = 3
        else:
            unit.level = 2


def parse_structure(raw_text: str) -> tuple[str, tuple[Block, ...], str | None]:
    """Return the cleaned text, its blocks with offsets, and the title found in it."""
    text = raw_text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = text.replace("\u200b", "").replace("\ufeff", "")
    lines, looks_like_web_page = remove_web_chrome(text.split("\n"))
    units = _split_units(lines)
    _assign_headings(units)
    if looks_like_web_page:
        units = _drop_preamble(units)
    title_parts = []
    for unit in units:
        if unit.kind == "heading" and unit.level == 1:
            title_parts.append(unit.text)
        else:
            break
    if not title_parts and units and units[0].kind == "heading":
        title_parts = [units[0].text]  # e.g. a Word document opening on "Heading 1"
    title = " — ".join(title_parts) if title_parts else None
    return (*_lay_out(units), title)


def _drop_preamble(units: list[_Unit]) -> list[_Unit]:
    """Keep a web page from the heading just before its first real paragraph."""
    for number, unit in enumerate(units):
        if unit.kind in {"paragraph", "quote", "item"} and _words(unit.text) >= 12:
            start = number - 1 if number and units[number - 1].kind == "heading" else number
            kept = units[start:]
            if kept and kept[0].kind == "heading" and start < number:
                kept[0].level = 1
            return kept
    return units


def _lay_out(units: list[_Unit]) -> tuple[str, tuple[Block, ...]]:
    """Join units into one text (items of a list one a line) and record each block's span."""
    parts: list[str] = []
    blocks: list[Block] = []
    offset = 0
    previous_kind = None
    for unit in units:
        if parts:
            separator = "\n" if unit.kind == previous_kind == "item" else "\n\n"
            if unit.kind == "attribution" and previous_kind == "quote":
                separator = "\n"
            parts.append(separator)
            offset += len(separator)
        parts.append(unit.text)
        blocks.append(Block(unit.kind, unit.text, offset, offset + len(unit.text), unit.level))
        offset += len(unit.text)
        previous_kind = unit.kind
    return "".join(parts), tuple(blocks)
