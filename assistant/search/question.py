"""A question analysed once: language, words, stems both ways and cross-language expansions.

Every later step (keyword search, the answer decision, highlighting) reads this record
instead of tokenising the question again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from assistant.embed import Encoder
from assistant.index.lexicon import Lexicon
from assistant.index.terms import LANGUAGES, passage_terms, stems, words
from assistant.lang import detect_language
from assistant.search.correct import Correction, Vocabulary, apply_corrections
from assistant.search.followup import resolve_in_context
from assistant.search.glossary import Glossary

# Vectors of question words that the corpus lacks (see lexicon.py), kept across questions
# since words recur: at most this many.
WORD_CACHE = 4096


@dataclass(frozen=True)
class Question:
    """What search needs to know of a question, worked out once."""

    text: str  # as searched: follow-up resolved, typos corrected
    lang: str
    words: tuple[str, ...]  # lower-cased, stop words dropped
    main_terms: tuple[str, ...]  # stems in the question's language
    side_terms: tuple[str, ...]  # stems the other language's stemmer gives differently
    glossary: tuple[tuple[str, str], ...] = ()  # (phrase, lang): the glossary's other phrasings
    lexicon: tuple[tuple[str, str], ...] = ()  # (word, lang): nearest corpus words, other language
    # For each word, its stems as English and as French: a passage "covers" the word when
    # it holds either.
    word_stems: tuple[frozenset[str], ...] = ()
    # Each word's stems widened by its own translations (glossary, lexicon): what a passage
    # in either language must hold to cover the word.
    word_alternatives: tuple[frozenset[str], ...] = ()
    asked: str = ""  # as typed
    corrections: tuple[Correction, ...] = ()

    @property
    def expansion_terms(self) -> tuple[str, ...]:
        """Return the terms searched at reduced weight: side stems, then translations' stems."""
        translated = [term for term in stem_both(self.glossary + self.lexicon) if term not in self.main_terms]
        return tuple(dict.fromkeys([*self.side_terms, *translated]))

    @property
    def highlight_stems(self) -> frozenset[str]:
        """Return the stems to mark in passages: the words both ways, and the glossary's phrasings.

        The glossary's other phrasings let a French question mark the words of an English
        passage ("roulement du personnel" → "staff turnover") and the reverse.
        """
        return frozenset().union(*self.word_stems, stem_both(self.glossary))


def query_terms(text: str, extra: Iterable[tuple[str, str]] = ()) -> list[str]:
    """Return the distinct search terms of a text, stemmed as French and as English.

    A question may match passages in either language, and its language is a guess, so
    each word is stemmed both ways; `extra` adds (text, lang) pairs such as glossary
    translations, stemmed in their own language.
    """
    tokens = words(text)
    return list(dict.fromkeys([*stems(tokens, "en"), *stems(tokens, "fr"), *stem_both(extra)]))


def stem_both(pairs: Iterable[tuple[str, str]]) -> list[str]:
    """Return the stems of (text, lang) pairs, each in its own language, without repeats."""
    terms: list[str] = []
    for phrase, lang in pairs:
        terms.extend(_phrase_terms(phrase, lang))
    return list(dict.fromkeys(terms))


@lru_cache(maxsize=WORD_CACHE)
def _phrase_terms(phrase: str, lang: str) -> tuple[str, ...]:
    """Return a glossary phrase's or a lexicon word's stems (the same ones come back often)."""
    return tuple(passage_terms(phrase, lang))


def analyse(text: str, glossary: Glossary, lang: str | None = None, context: Sequence[str] = (),
            vocabulary: Vocabulary | None = None) -> Question:
    """Return the analysis of a question (without lexicon translations: see QuestionAnalyser).

    With `context` (the conversation's earlier questions, oldest first) a follow-up is
    resolved into a full question; with a `vocabulary` unknown words are corrected.
    """
    asked = text.strip()
    text = resolve_in_context(asked, [earlier.strip() for earlier in context]) if context else asked
    lang = lang or detect_language(text)
    tokens = words(text)
    corrections = vocabulary.corrections(tokens, text) if vocabulary is not None else ()
    if corrections:
        text = apply_corrections(text, corrections)
        tokens = words(text)
    stemmed = {code: stems(tokens, code) for code in LANGUAGES}  # each word's stem as English and as French
    main = list(dict.fromkeys(stemmed[lang if lang in LANGUAGES else "en"]))
    side = [term for other in LANGUAGES if other != lang for term in stemmed[other]]
    return Question(
        text=text,
        lang=lang,
        words=tuple(tokens),
        main_terms=tuple(main),
        side_terms=tuple(term for term in dict.fromkeys(side) if term not in main),
        glossary=tuple(glossary.expand_stems(stemmed)),  # glossary.expand(text), without stemming it again
        word_stems=tuple(frozenset(both) for both in zip(stemmed["en"], stemmed["fr"], strict=True)),
        asked=asked,
        corrections=corrections,
    )


class QuestionAnalyser:
    """Analyses questions and embeds them, with the lexicon's words in one encoder pass.

    Holds the vectors of question words the corpus lacks across questions (they recur).
    """

    def __init__(self, encoder: Encoder, glossary: Glossary, lexicon: Lexicon | None,
                 vocabulary: Vocabulary | None = None) -> None:
        self.encoder = encoder
        self.glossary = glossary
        self.lexicon = lexicon
        self.vocabulary = vocabulary
        self._word_vectors: dict[str, np.ndarray] = {}
        self._word_glossary: dict[str, list[tuple[str, str]]] = {}
        # (word, question's language) → the lexicon's translations of a word it lacks, from
        # the vector kept in _word_vectors (dropped with it).
        self._word_translations: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}
        self._word_lock = threading.Lock()

    def analyse(self, text: str, retriever: str = "hybrid", context: Sequence[str] = ()
                ) -> tuple[Question, np.ndarray | None]:
        """Return the question analysed and its vector (None when keywords alone are asked for)."""
        question = analyse(text, self.glossary, context=context, vocabulary=self.vocabulary)
        wants_words = retriever != "dense" and self.lexicon is not None
        vector, word_vectors = self._encode(question, retriever, wants_words)
        by_word = self._translations(question, word_vectors) if self.lexicon is not None else {}
        lexicon = tuple(dict.fromkeys(pair for pairs in by_word.values() for pair in pairs)) if wants_words else ()
        return replace(question, lexicon=lexicon, word_alternatives=self._alternatives(question, by_word)), vector

    def _translations(self, question: Question, word_vectors: Mapping[str, np.ndarray]
                      ) -> dict[str, list[tuple[str, str]]]:
        """Return the lexicon's translations of each lower-cased word of the question.

        Those of words the corpus lacks (found from their vectors, `word_vectors`: 0.1-0.2 ms
        against every word of the other language) are kept with their vectors, as long as
        those are: the same vector gives the same nearest word.
        """
        lang = question.lang
        with self._word_lock:
            kept = {word: self._word_translations[(word, lang)] for word in word_vectors
                    if (word, lang) in self._word_translations}
        fresh = {word: vector for word, vector in word_vectors.items() if word not in kept}
        by_word = self.lexicon.translations_by_word(list(question.words), lang, fresh)
        for word, pairs in kept.items():
            by_word[word] = list(pairs)
        with self._word_lock:
            for word, vector in fresh.items():  # unless the vectors were dropped (and new ones made) meanwhile
                if self._word_vectors.get(word) is vector:
                    self._word_translations[(word, lang)] = tuple(by_word[word])
        return by_word

    def _alternatives(self, question: Question, by_word: Mapping[str, list[tuple[str, str]]]
                      ) -> tuple[frozenset[str], ...]:
        """Return each word's stems both ways with those of its glossary and lexicon translations."""
        alternatives = []
        for token, own in zip(question.words, question.word_stems, strict=True):
            translations = [*self._glossary_of(token), *by_word.get(token.lower(), [])]
            alternatives.append(own | frozenset(stem_both(translations)) if translations else own)
        return tuple(alternatives)

    def _glossary_of(self, word: str) -> list[tuple[str, str]]:
        """Return the glossary's other phrasings of one word (kept across questions: words recur)."""
        found = self._word_glossary.get(word)
        if found is None:
            found = self.glossary.expand(word)
            if len(self._word_glossary) >= WORD_CACHE:
                self._word_glossary.clear()
            self._word_glossary[word] = found
        return found

    def _encode(self, question: Question, retriever: str, wants_words: bool
                ) -> tuple[np.ndarray | None, Mapping[str, np.ndarray]]:
        """Return the question's vector and the vectors of its words the lexicon does not know."""
        unknown = self.lexicon.unknown(list(question.words), question.lang) if wants_words else []
        with self._word_lock:
            known = {word: self._word_vectors[word] for word in unknown if word in self._word_vectors}
        missing = [word for word in unknown if word not in known]
        vector = None
        if retriever == "lexical":
            fresh = self.encoder.encode_passages(missing) if missing else []
        else:
            vector, fresh = self.encoder.encode_query_and_words(question.text, missing)
        new = dict(zip(missing, fresh, strict=True))
        with self._word_lock:
            if len(self._word_vectors) + len(new) > WORD_CACHE:
                self._word_vectors.clear()
                self._word_translations.clear()
            self._word_vectors.update(new)
        return vector, known | new
