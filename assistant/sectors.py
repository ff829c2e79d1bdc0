"""Which sectors a passage concerns: community, institutional, police, school."""

from __future__ import annotations

import re

SECTORS = ("community", "institutional", "police", "school")

_SECTOR_PATTERNS = {
    "community": r"communaut\w*|community|organismes? communautaires?|organi[sz]ations? communautaires?"
    r"|travail de rue|street work|maisons? d'hébergement|obnl|non-?profits?|sans but lucratif"
    r"|maisons? des jeunes|youth cent(?:re|er)s?",
    "institutional": r"cisss\w*|ciusss\w*|dpj|protection de la jeunesse|youth protection|institution\w*"
    r"|établissement\w*|programmes?-services|santé publique|public health|clsc|centres? jeunesse"
    r"|hôpita\w*|hospitals?|santé et (?:des )?services sociaux|health and social services|rsss",
    "police": r"polic\w*|sûreté|surete|spvm|gendarmerie|rcmp|grc|law enforcement",
    "school": r"écoles?|ecoles?|schools?|scolaires?|cégeps?|cegeps?|universit\w*|teachers?|enseignant\w*"
    r"|élèves?|students?|pupils?|étudiant\w*",
}
_COMPILED = {
    sector: re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE) for sector, pattern in _SECTOR_PATTERNS.items()
}


def sectors_in_text(text: str) -> tuple[str, ...]:
    """Return the sectors the text names, in the canonical order."""
    return tuple(sector for sector in SECTORS if _COMPILED[sector].search(text))


def passage_sectors(text: str, document_sectors: tuple[str, ...]) -> tuple[str, ...]:
    """Return the sectors a passage names, else those of its document."""
    named = sectors_in_text(text)
    return named or tuple(sector for sector in SECTORS if sector in document_sectors)
