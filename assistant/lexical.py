"""Keyword search: BM25 (bm25s) over accent-folded, stemmed French and English words."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_FRENCH

from assistant.records import Passage

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its own logger to DEBUG

LANGUAGES = {"en": "english", "fr": "french"}
# Bump when tokenising or BM25 parameters change: saved keyword indexes are then rebuilt.
LEXICAL_VERSION = 3
# BM25 parameters: bm25s' defaults for the Lucene variant, which suit short passages.
K1 = 1.5
B = 0.75
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Parts of the saved index: bm25s writes one file per part; the index folder names them.
PARTS = {
    "data": "data_name",
    "indices": "indices_name",
    "indptr": "indptr_name",
    "vocab": "vocab_name",
    "params": "params_name",
}
_SUFFIX = {"data": ".data.npy", "indices": ".indices.npy", "indptr": ".indptr.npy",
           "vocab": ".vocab.json", "params": ".params.json"}


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
    return frozenset(fold(word) for word in (*STOPWORDS_EN, *STOPWORDS_FRENCH, *QUESTION_WORDS))


def words(text: str) -> list[str]:
    """Return the lower-cased words of a text, elided articles (l', d', qu') dropped."""
    found = []
    for word in _WORD.findall(text.lower().replace("’", "'")):
        if len(word) < 2 and not word.isdigit():
            continue
        if _fold_word(word) in stop_words():
            continue
        found.append(word)
    return found


def stems(tokens: Sequence[str], lang: str) -> list[str]:
    """Return the stems of words in one language, accents folded first.

    Folding before stemming costs the stemmer a little precision but makes "policiere",
    typed without its accent, and "policière" the same term.
    """
    return _stemmer(lang).stemWords([_fold_word(token) for token in tokens])


def passage_terms(text: str, lang: str) -> list[str]:
    """Return the index terms of a passage, stemmed in its language."""
    return stems(words(text), lang if lang in LANGUAGES else "en")


def query_terms(text: str, extra: Iterable[tuple[str, str]] = ()) -> list[str]:
    """Return the distinct search terms of a question, stemmed as French and as English.

    A question may match passages in either language, and its language is a guess, so
    each word is stemmed both ways; `extra` adds (text, lang) pairs such as glossary
    translations, stemmed in their own language.
    """
    tokens = words(text)
    terms = [*stems(tokens, "en"), *stems(tokens, "fr")]
    for phrase, lang in extra:
        terms.extend(passage_terms(phrase, lang))
    return list(dict.fromkeys(terms))


def weighted_query_terms(text: str, lang: str) -> tuple[list[str], list[str]]:
    """Return (main terms, side terms) of a question whose language is probably `lang`.

    Main terms are its words stemmed in that language; side terms are the stems that the
    other language's stemmer gives differently, in case the guess is wrong or a word is
    borrowed, to be weighed less.
    """
    tokens = words(text)
    main = list(dict.fromkeys(stems(tokens, lang if lang in LANGUAGES else "en")))
    side = [term for lang_ in LANGUAGES if lang_ != lang for term in stems(tokens, lang_)]
    return main, [term for term in dict.fromkeys(side) if term not in main]


@dataclass
class LexicalIndex:
    """A BM25 index of the passages, in index order."""

    bm25: bm25s.BM25
    count: int

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """Return the BM25 score of every passage for the terms (zeros if none is known)."""
        ids = self.bm25.get_tokens_ids(list(terms))
        if not ids:
            return np.zeros(self.count, dtype=np.float32)
        return np.asarray(self.bm25.get_scores_from_ids(ids), dtype=np.float32)

    @staticmethod
    def file_names(stem: str) -> dict[str, str]:
        """Return {part: file name} of an index saved under a stem."""
        return {part: stem + _SUFFIX[part] for part in PARTS}

    def save(self, folder: Path, stem: str) -> dict[str, str]:
        """Write the index beside others as `stem.*` files; return {part: file name}."""
        names = self.file_names(stem)
        self.bm25.save(
            str(folder),
            show_progress=False,
            nnoc_name=stem + ".nnoc.npy",
            **{PARTS[part]: name for part, name in names.items()},
        )
        return names

    @classmethod
    def load(cls, folder: Path, names: dict[str, str], count: int, memory_map: bool = True) -> LexicalIndex:
        """Read an index written by save()."""
        bm25 = bm25s.BM25.load(
            str(folder),
            mmap=memory_map,
            show_progress=False,
            nnoc_name=names["data"].replace(".data.npy", ".nnoc.npy"),
            **{PARTS[part]: name for part, name in names.items()},
        )
        return cls(bm25=bm25, count=count)


def lexical_text(passage: Passage) -> str:
    """Return what keyword search sees of a passage: its headings and its own words (not its lead)."""
    return " ".join((*passage.section, passage.own_text))


def build_lexical(passages: Sequence[Passage]) -> LexicalIndex:
    """Index passages for BM25, each stemmed in its own language."""
    corpus = [passage_terms(lexical_text(passage), passage.lang) for passage in passages]
    bm25 = bm25s.BM25(k1=K1, b=B, method="lucene")
    if corpus and any(corpus):
        bm25.index(corpus, show_progress=False)
    else:  # bm25s cannot index an empty vocabulary; one placeholder term keeps it valid
        bm25.index([["\x00"] for _ in passages] or [["\x00"]], show_progress=False)
    return LexicalIndex(bm25=bm25, count=len(passages))
