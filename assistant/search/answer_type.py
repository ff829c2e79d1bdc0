"""What kind of fact a question asks for, and whether a passage holds one.

A worker asking for a phone number, a deadline, a price, an address, opening hours or an
age wants a fact, not advice: when none of the best passages holds a fact of that kind
(a number, a date, an amount…), the documents do not answer, however close the words.
"""

from __future__ import annotations

import re

# Questions asking for a number of some kind: an amount, a count, a date or time, an age,
# a duration, a phone number or an address.
_WANTS_FACT = re.compile(
    r"\b(?:combien|how\s+(?:much|many|long|old)|quand|when|what\s+time|à\s+quelle\s+heure|quel\s+âge|"
    r"what\s+age|(?:date\s+limite|deadline|délai)s?|(?:phone|telephone|téléphone|hotline|fax)|"
    r"num[ée]ro\s+de\s+t[ée]l[ée]phone|phone\s+number|(?:street\s+)?address|adresse|"
    r"(?:opening\s+)?hours|heures\s+d['’]ouverture|horaires?|salaires?|salary|wages?|"
    r"co[uû]ts?|co[uû]tent|prix|price|fees?|frais|tarifs?|budget\s+annuel|annual\s+budget)\b",
    re.IGNORECASE,
)
# What such a fact looks like in a passage: a figure (digits or a number word), an amount, a date.
_FACT = re.compile(
    r"\d|\$|€|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|un|deux|trois|quatre|cinq|six|"
    r"sept|huit|neuf|dix|douze|janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|"
    r"décembre|january|february|march|april|may|june|july|august|september|october|november|december)\b",
    re.IGNORECASE,
)


def wants_fact(question: str) -> bool:
    """Return whether the question asks for a number, date, amount, contact or address."""
    return bool(_WANTS_FACT.search(question))


def holds_fact(text: str) -> bool:
    """Return whether a passage holds something a fact-seeking question could be answered by."""
    return bool(_FACT.search(text))
