"""What a passage is for: text that answers, or a line shown in its document but never cited.

A passage's role is read from its own words, by general patterns of how documents are
written, never from a list of the corpus's sentences:

- "reference": an entry of a reference list — an author-year citation ("Health Nexus.
  (2017). Planning for partnership."), an entry pointing where it was found ("Recovered
  from (PDF)", « Récupéré de », a URL, a DOI), or a line of links alone.
- "navigation": what is left of a web page's controls ("Next", « Lire la suite »,
  "Page 2 of 4", "Click here").
- "closing": the line a step-by-step toolkit shows at a step's end ("You have just
  completed the alliance!", « Vous venez de terminer… », « Félicitations! »).
- "lead-in": a sentence that announces what follows ("…numerous benefits, such as:") and
  was left without it; chunking keeps a lead-in with its list, so only orphans remain.
- "testimonial": a quotation alone, with its attribution. It is cited, but ranks as if one
  standard deviation of the question's scores less relevant: a testimonial illustrates,
  it does not tell a worker what to do (measured on dev.jsonl: recall@1 +1 question,
  recall@5 unchanged; the first starter question no longer opens on a quotation).
- "text": everything else.

Only "text" and "testimonial" are cited (Passage.citable); the others stay in the document view, except
that a question asking for references or reading ("Is there a reference on planning a
partnership?", « une bibliographie sur… ») may be answered by reference entries too.
"""

from __future__ import annotations

import re

TEXT = "text"
REFERENCE = "reference"
NAVIGATION = "navigation"
CLOSING = "closing"
LEAD_IN = "lead-in"
TESTIMONIAL = "testimonial"
ROLES = (TEXT, TESTIMONIAL, REFERENCE, NAVIGATION, CLOSING, LEAD_IN)
CITABLE_ROLES = frozenset({TEXT, TESTIMONIAL})
# Added to a passage's fused score (in standard deviations of the question's scores).
RANK_OFFSETS = {TESTIMONIAL: -1.0}

# A reference entry is short: a long paragraph that cites a source is text that cites.
REFERENCE_WORDS = 80
# Navigation leftovers are a few words: a sentence that mentions "next" is text.
NAVIGATION_WORDS = 8

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)+/\S*", re.IGNORECASE)
_DOI = re.compile(r"\bdoi\s*:\s*10\.\d+|doi\.org/10\.", re.IGNORECASE)
# "Author, A. (2017)." / "Organisation. (2017)." / "(n.d.)." / « (s. d.). » at the head of an
# entry: the year in brackets closed by a full stop comes within its first words.
_AUTHOR_YEAR = re.compile(
    r"^[^()]{2,160}?\(\s*(?:1[89]\d{2}|20\d{2})[a-z]?(?:,[^)]{0,20})?\s*\)\s*\.|^[^()]{2,160}?\(\s*(?:n\.\s?d|s\.\s?d)\.?\s*\)\s*\."
)
# Where an entry was found, in English and French reference styles.
_FOUND_AT = re.compile(
    r"\b(?:retrieved|recovered|available|accessed|downloaded)\s+(?:from|at|on)\b"
    r"|\b(?:récupéré|repéré|consulté|disponible|téléchargé)e?s?\s+(?:de|à|sur|le|en ligne)\b",
    re.IGNORECASE,
)
_PDF = re.compile(r"\((?:pdf|PDF)\)|\[(?:pdf|PDF)\]")
_NAVIGATION = re.compile(
    r"^(?:next|previous|back(?: to\b.*)?|home|menu|top|read more|learn more|see more|show more|more info\w*|click here"
    r"|go to\b.*|return to\b.*|skip to\b.*|share\b.*|print\b.*|page \d+ (?:of|sur|de) \d+|\d+\s*/\s*\d+"
    r"|suivant|précédent|retour\b.*|accueil|haut de (?:la )?page|lire la suite|en savoir plus|voir plus"
    r"|cliquez ici|partager\b.*|imprimer\b.*)\W*$",
    re.IGNORECASE,
)
_CLOSING = re.compile(
    r"^(?:you(?:'ve| have)?\s+(?:just\s+)?(?:completed|finished|created|reached)\b"
    r"|congratulations\b|well done\b"
    r"|vous\s+(?:venez|avez)\s+(?:de\s+|d['’]\s*)?(?:terminer|compléter|complété|terminé|créer|créé|réussi)\b"
    r"|tu\s+(?:viens|as)\s+(?:de\s+|d['’]\s*)?(?:terminer|compléter|complété|terminé|créer|créé|réussi)\b"
    r"|félicitations\b|bravo\b)",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+", re.UNICODE)
# A question asking for something to read. Not the French « référence » alone: in social
# work it means a referral (« prendre des références »).
_ASKS_FOR_REFERENCES = re.compile(
    r"\breferences?\b|\bbibliogra\w*|\bfurther reading|\breading list|\bcitations?\b"
    r"|\bréférences bibliographiques|\b(?:ouvrages?|documents?|textes?) de référence"
    r"|\blectures? (?:suggérée|recommandée|complémentaire)",
    re.IGNORECASE,
)


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def is_reference(text: str) -> bool:
    """Return whether a text is an entry of a reference list (or links alone)."""
    text = " ".join(text.split())
    without_links = _URL.sub(" ", text)
    if _URL.search(text) and _words(without_links) < 3:
        return True  # a line of links
    if _words(text) > REFERENCE_WORDS:
        return False
    if _AUTHOR_YEAR.match(text) or _DOI.search(text):
        return True
    return bool(_FOUND_AT.search(text) and (_URL.search(text) or _PDF.search(text)))


def is_navigation(text: str) -> bool:
    """Return whether a text is a leftover control of a web page."""
    return _words(text) <= NAVIGATION_WORDS and bool(_NAVIGATION.match(" ".join(text.split())))


def is_closing(text: str) -> bool:
    """Return whether a sentence is a toolkit's end-of-step line ("You have just completed…")."""
    return bool(_CLOSING.match(text.strip().lstrip("«“\"'‘ ")))


def is_lead_in(text: str) -> bool:
    """Return whether a text announces something that follows it (it ends with a colon)."""
    return text.rstrip().endswith(":")


def cited_roles(question: str) -> frozenset[str]:
    """Return the roles of the passages that may answer a question."""
    return CITABLE_ROLES | {REFERENCE} if _ASKS_FOR_REFERENCES.search(question) else CITABLE_ROLES


def passage_role(text: str, kind: str = "paragraph") -> str:
    """Return the role of a passage from its own text (not its lead) and its kind of block."""
    if is_reference(text):
        return REFERENCE
    if is_navigation(text):
        return NAVIGATION
    if is_closing(text) and _words(text) <= 2 * NAVIGATION_WORDS:
        return CLOSING
    if is_lead_in(text):
        return LEAD_IN
    return TESTIMONIAL if kind == "quote" else TEXT
