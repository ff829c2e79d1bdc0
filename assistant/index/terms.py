"""Words of a text as search sees them: folded, stop words dropped, stemmed per language."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache, lru_cache

import Stemmer

from assistant.index.stopwords import STOPWORDS_EN, STOPWORDS_FR

LANGUAGES = {"en": "english", "fr": "french"}
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """Return text lower-cased without accents, typographic apostrophes made plain."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# A corpus repeats a small vocabulary: folding each distinct word once makes indexing
# 100,000 passages ~4× faster (scripts/bench).
_fold_word = lru_cache(maxsize=1 << 17)(fold)


@cache
def _stemmer(lang: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(LANGUAGES[lang])


# Words that frame a question rather than say what it is about; bm25s' lists lack them.
QUESTION_WORDS = (
    "what whats which who whom whose how why when where does did do can could should would "
    "may might must shall will get make i'm we're there's "
    "comment pourquoi quoi quel quelle quels quelles lequel laquelle lesquels lesquelles "
    "est-ce faut faire fait peut peuvent doit doivent dois devrait devrions pourrait "
    "pourrions veut voudrais y-a-t-il combien quand"
).split()


@cache
def stop_words() -> frozenset[str]:
    """Return the folded French and English stop words (a bilingual corpus needs both)."""
    return frozenset(fold(word) for word in (*STOPWORDS_EN, *STOPWORDS_FR, *QUESTION_WORDS))


def words(text: str) -> list[str]:
    """Return the lower-cased words of a text, elided articles (l', d', qu') dropped."""
    found = []
    for word in words_of(text):
        if len(word) < 2 and not word.isdigit():
            continue
        if _fold_word(word) in stop_words():
            continue
        found.append(word)
    return found


def words_of(text: str) -> list[str]:
    """Return every lower-cased word of a text, stop words included (see words())."""
    return _WORD.findall(text.lower().replace("’", "'"))


def stems(tokens: Sequence[str], lang: str) -> list[str]:
    """Return the stems of words in one language, accents folded first.

    Folding before stemming costs the stemmer a little precision but makes "policiere",
    typed without its accent, and "policière" the same term.
    """
    return _stemmer(lang).stemWords([_fold_word(token) for token in tokens])


def passage_terms(text: str, lang: str) -> list[str]:
    """Return the index terms of a passage, stemmed in its language."""
    return stems(words(text), lang if lang in LANGUAGES else "en")



@lru_cache(maxsize=16384)
def term_set(text: str, lang: str) -> frozenset[str]:
    """Return the stemmed words of a passage as a set (cached: the same passages come back often)."""
    return frozenset(passage_terms(text, lang))
