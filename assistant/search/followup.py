"""Follow-up questions: « et avec les écoles? » after a question about the police.

A question that only makes sense with the one before it is rewritten, deterministically,
into a full question built from the earlier one; a complete question is left as it is.
Two shapes are recognised, in French and English:

- a fragment that swaps one part of the earlier question ("what about schools?",
  « et pour la police? »): the part of the earlier question introduced by the same
  preposition, or naming a sector, is replaced; otherwise the fragment is appended;
- a short question pointing back with a pronoun ("and how do we evaluate it?",
  « comment l'évaluer? »): the pronoun is replaced by the earlier question's subject
  (from its first article on: "a partnership with the police").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.index.terms import words
from assistant.sectors import sectors_in_text

# A question of more content words than this is complete, whatever it starts with.
MAX_FOLLOWUP_WORDS = 4

# Openings that tie a question to the one before: "and", "what about", « et », « qu'en est-il de ».
_OPENING = re.compile(
    r"^\s*(?:(?:and|also|but|what|how)\s+about|and\s+(?:for|with|in|at|regarding|what\s+about)|and|also|"
    r"et\s+(?:qu['’]en\s+est-il\s+(?:de\s+la|de\s+l['’]|des|du|de)|pour|avec|dans|chez|concernant|au\s+sujet\s+de)|"
    r"qu['’]en\s+est-il\s+(?:de\s+la|de\s+l['’]|des|du|de)|et|aussi|puis|then|same\s+for|pareil\s+pour|"
    r"idem\s+pour|même\s+chose\s+pour)\b[\s,]*",
    re.IGNORECASE,
)
# A pronoun standing for the earlier question's subject.
_PRONOUN_EN = re.compile(r"\b(it|them|this|that|these|those|one)\b(?=[\s?.!]*$|\s+(?:work|last|going|better))",
                         re.IGNORECASE)
_PRONOUN_FR = re.compile(r"\b(?:l['’]|le\s+|la\s+|les\s+)(?=[a-zàâçéèêëîïôûùüÿœ]+(?:er|ir|re)\b)", re.IGNORECASE)
_PRONOUN_FR_AFTER = re.compile(r"\b(cela|ça|celui-ci|celle-ci|ceux-ci|celles-ci)\b", re.IGNORECASE)
# Where an earlier question's subject starts: its first article.
_ARTICLE = re.compile(r"\b(?:an|a|the|une|un|les|la|le|des|du)\s+(?=\w)|\bl['’](?=\w)", re.IGNORECASE)
_PREPOSITIONS = ("with", "for", "in", "at", "about", "avec", "pour", "dans", "chez", "auprès", "sur", "en")
_END = re.compile(r"[\s?!.…]+$")


def resolve_followup(question: str, context: Sequence[str]) -> str:
    """Return the full question a follow-up stands for, or the question itself when complete."""
    if not context:
        return question
    earlier = context[-1].strip()
    if not earlier or len(words(question)) > MAX_FOLLOWUP_WORDS:
        return question
    opening = _OPENING.match(question)
    rest = question[opening.end():] if opening else question
    if not opening or _asks_on_its_own(rest):
        return _with_subject(question, earlier)
    return _swap(rest, earlier) or question


def resolve_in_context(question: str, context: Sequence[str]) -> str:
    """Return the question resolved against the conversation: earlier follow-ups first.

    « et avec les écoles? » then « et pour la police? » each swap into the question the
    conversation was last about, so each earlier question is resolved in turn.
    """
    resolved: list[str] = []
    for earlier in context:
        resolved.append(resolve_followup(earlier, resolved))
    return resolve_followup(question, resolved)


def _asks_on_its_own(rest: str) -> bool:
    """Return whether what follows the opening is itself a question ("how do we evaluate it")."""
    first = rest.strip().split(" ", 1)[0].lower()
    return first in {"how", "what", "why", "when", "who", "where", "which", "can", "do", "does", "should",
                     "comment", "pourquoi", "quand", "qui", "où", "quel", "quelle", "quels", "quelles",
                     "est-ce", "faut-il", "peut-on", "doit-on"}


def _subject(earlier: str) -> str:
    """Return what an earlier question is about: from its first article to its end."""
    text = _END.sub("", earlier)
    match = _ARTICLE.search(text)
    return text[match.start():] if match else text


def _with_subject(question: str, earlier: str) -> str:
    """Replace a pronoun pointing back by the earlier question's subject (unchanged if none)."""
    subject = _subject(earlier)
    body = _OPENING.sub("", question, count=1) if _OPENING.match(question) else question
    body = body[:1].upper() + body[1:] if body else body
    for pattern, replacement in ((_PRONOUN_EN, subject), (_PRONOUN_FR_AFTER, subject)):
        replaced, count = pattern.subn(replacement, body, count=1)
        if count:
            return replaced
    replaced, count = _PRONOUN_FR.subn("", body, count=1)
    if count:  # « comment l'évaluer? » → « comment évaluer un partenariat avec la police? »
        return f"{_END.sub('', replaced)} {subject}?"
    return question


def _swap(fragment: str, earlier: str) -> str | None:
    """Return the earlier question with the fragment in place of the part it replaces."""
    fragment = _END.sub("", fragment).strip()
    if not fragment:
        return None
    base = _END.sub("", earlier)
    mark = earlier[len(base):].strip() or "?"
    first = fragment.split(" ", 1)[0].lower()
    if first in _PREPOSITIONS:
        found = list(re.finditer(rf"\b{re.escape(first)}\b", base, re.IGNORECASE))
        if found:
            return f"{base[:found[-1].start()]}{fragment}{mark}"
    if sectors_in_text(fragment):
        sector_phrase = _sector_phrase(base)
        if sector_phrase is not None:
            start, end = sector_phrase
            return f"{base[:start]}{fragment}{base[end:]}{mark}"
    return f"{base} — {fragment}{mark}"


def _sector_phrase(text: str) -> tuple[int, int] | None:
    """Return the span of the last phrase of a text naming a sector, article included."""
    best = None
    for match in re.finditer(r"(?:\b(?:the|an|a|les|la|le|des|du)\s+|\bl['’])?([^\W\d_][\w-]*)", text):
        if sectors_in_text(match.group(1)):
            best = match.span()
    return best
