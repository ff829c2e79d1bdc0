"""What kind of fact a question asks for, and whether a passage holds one of that kind.

A worker asking for a phone number, a deadline, a price, an address, opening hours or an
age wants a fact, not advice: when none of the best passages holds a fact of that kind
(a phone number, an amount, a date…), the documents do not answer, however close the
words. These are the classic answer types of question answering, in French and English;
a question asking for none of them is not judged by this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.index.terms import fold

_MONTHS = (
    r"janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre|"
    r"january|february|march|april|may|june|july|august|september|october|november|december"
)
_DAYS = r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|hundred|thousand|"
    r"un|une|deux|trois|quatre|cinq|sept|huit|neuf|dix|onze|douze|vingt|cent|mille"
)


@dataclass(frozen=True)
class AnswerType:
    """A kind of fact: how a question asks for it, and how a passage states it."""

    name: str
    asked: re.Pattern[str]
    stated: re.Pattern[str]


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text, re.IGNORECASE)


# Most specific first: a question takes the first type it asks for.
ANSWER_TYPES = (
    AnswerType(
        "phone",
        _pattern(r"\b(?:(?:phone|telephone|téléphone)\s+(?:number|no\.?)|numéro\s+(?:de\s+)?(?:téléphone|tél)|"
                 r"hotline|fax\s+number|numéro\s+de\s+fax)\b"),
        _pattern(r"\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b|\b1[\s-]8\d\d\b"),
    ),
    AnswerType(
        "email or web address",
        _pattern(r"\b(?:e-?mail|courriel|website|site\s+(?:web|internet)|url)\b"),
        _pattern(r"@|https?://|\bwww\."),
    ),
    AnswerType(
        "amount",
        _pattern(r"\b(?:combien\s+co[uû]t\w*|how\s+much\s+(?:does|do|is|are|money|will)|quel(?:le)?\s+est\s+le\s+(?:co[uû]t|prix|tarif|budget|salaire)|"
                 r"what\s+(?:is|are)\s+the\s+(?:cost|price|fees?|salary|wage|budget)|salaires?|salary|salaries|"
                 r"(?-i:[Ww]ages?)|tarifs?|fees?|prix|price|en\s+dollars|in\s+dollars|combien\s+d['’]argent|combien\s+gagne)\b"),
        _pattern(r"\$|€|\bdollars?\b|\b\d[\d\s.,]*\s?(?:k\$|M\$)"),
    ),
    AnswerType(
        "opening hours",
        _pattern(r"\b(?:opening\s+hours|hours\s+of\s+operation|office\s+hours|heures\s+d['’]ouverture|horaires?|"
                 r"open\s+(?:on|until)|ouvert(?:e|s)?\s+(?:le|jusqu))\b"),
        _pattern(rf"\b\d{{1,2}}\s?h\s?\d{{0,2}}\b|\b\d{{1,2}}:\d{{2}}\b|\b(?:a\.?m\.?|p\.?m\.?)\b|\b(?:{_DAYS})\b"),
    ),
    AnswerType(
        "age",
        _pattern(r"\b(?:quel\s+âge|what\s+age|how\s+old|à\s+partir\s+de\s+quel\s+âge|âge\s+minimum|minimum\s+age|"
                 r"age\s+limit)\b"),
        _pattern(r"\b\d{1,2}\s?(?:ans|years|yrs|-year)\b|\bâgée?s?\s+de\b|\baged\b|\bmineurs?\b|\bminors?\b"),
    ),
    AnswerType(
        "date or deadline",
        # "when" and « quand » also join clauses ("when a kid turns 18, how…"): only their
        # asking forms count.
        _pattern(r"^\W*(?:quand\s+(?:aura|a\s+lieu|commence|ouvre|ferme|est\s+la\s+prochaine)|"
                 r"when\s+(?:will|is\s+the\s+next|does\s+\S+\s+(?:start|open|close|begin))|how\s+long\s+is|"
                 r"jusqu['’]à\s+quand)|\b(?:deadline|date\s+limite|what\s+date|à\s+quelle\s+date|within\s+how|"
                 r"dans\s+quel\s+délai|délai\s+(?:pour|de|d['’]))"),
        _pattern(rf"\b(?:{_MONTHS})\b|\b\d{{1,2}}[/-]\d{{1,2}}\b|\b(?:\d+|{_NUMBER_WORDS})\s+"
                 r"(?:jours?|days?|semaines?|weeks?|mois|months?|ans|années|years?|heures|hours)\b"),
    ),
    AnswerType(
        "street address",
        _pattern(r"\b(?:street\s+address|postal\s+address|mailing\s+address|adresse\s+(?:postale|civique)|"
                 r"(?:what|which)\s+is\s+the\s+address|quelle\s+est\s+l['’]adresse)\b"),
        _pattern(r"\b\d+,?\s+(?:rue|avenue|av\.|boulevard|boul\.|chemin|route|street|st\.|road|rd\.)\b|"
                 r"\b[A-Z]\d[A-Z]\s?\d[A-Z]\d\b"),
    ),
    AnswerType(
        "count",
        _pattern(r"\b(?:how\s+many|combien\s+(?:de|d['’])|nombre\s+(?:de|d['’])\s+\w+\s+(?:par|per)|ratio)\b"),
        _pattern(rf"\d|\b(?:{_NUMBER_WORDS}|quelques|plusieurs|several|few|many)\b"),
    ),
)


# A question asking what one should do wants advice even when it counts ("How many partners
# should a small team mobilize?"): no fact of a kind is expected.
_ADVICE = _pattern(r"\b(?:should|ought\s+to|devrait|devrions|devraient|devrais|faudrait|faut-il|conseillez|"
                   r"recommand\w*)\b")


def asked_type(question: str) -> AnswerType | None:
    """Return the kind of fact the question asks for, or None when it asks for none (or advice)."""
    if _ADVICE.search(question):
        return None
    return next((kind for kind in ANSWER_TYPES if kind.asked.search(question)), None)


# What a count is of: the words after "how many" / « combien de » ("how many hours of training").
_COUNTED = re.compile(r"\b(?:how\s+many|combien\s+(?:de|d['’]))\s*(\w+)(?:\s+(\w+))?", re.IGNORECASE)
# A count stated in a passage: a figure, then the thing counted within a few words.
_NEAR_WORDS = 3


def holds(kind: AnswerType, text: str, question: str = "") -> bool:
    """Return whether a passage states a fact of that kind (a count: of the thing asked about)."""
    if kind.name == "count":
        counted = _counted_stems(question)
        if counted:
            return any(_counts(match, text, counted) for match in kind.stated.finditer(text))
    return bool(kind.stated.search(text))


def _counted_stems(question: str) -> tuple[str, ...]:
    """Return the first letters of the words naming what the question counts."""
    match = _COUNTED.search(question)
    if match is None:
        return ()
    return tuple(fold(word)[:5] for word in match.groups() if word and len(word) > 2)


def _counts(figure: re.Match[str], text: str, counted: tuple[str, ...]) -> bool:
    """Return whether the thing counted follows this figure within a few words."""
    following = [fold(word)[:5] for word in re.findall(r"\w+", text[figure.end():])[: _NEAR_WORDS + 1]]
    return any(stem in following for stem in counted)
