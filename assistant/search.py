"""Question → ranked, cited passages from both languages."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.embed import Encoder, load_encoder
from assistant.index import Index, load_index
from assistant.lang import detect_language
from assistant.records import Answer, Hit, Passage

log = logging.getLogger(__name__)

MAX_K = 50
# Cosine similarity of the best passage below which the corpus is taken not to answer.
DENSE_ANSWERABLE_THRESHOLD = 0.30


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


class Searcher:
    """Answers questions from one loaded index with its encoder."""

    def __init__(self, index: Index, encoder: Encoder) -> None:
        if encoder.encoder_id != index.encoder_id:
            raise ValueError(f"index built with {index.encoder_id}, encoder is {encoder.encoder_id}")
        self.index = index
        self.encoder = encoder

    def dense_scores(self, question: str, depth: int) -> list[tuple[int, float]]:
        """Return (passage position, cosine) of the `depth` nearest passages."""
        vector = self.encoder.encode_query(question)
        depth = min(depth, len(self.index.passages))
        if depth == 0:
            return []
        scores, positions = self.index.faiss_index.search(vector[None, :].astype(np.float32), depth)
        return [(int(p), float(s)) for p, s in zip(positions[0], scores[0], strict=True) if p >= 0]

    def ask(self, question: str, k: int = 5, filters: Filters | None = None) -> Answer:
        """Return the best k passages for a question, best first."""
        question = question.strip()
        k = max(1, min(int(k), MAX_K))
        lang = detect_language(question)
        filters = filters or Filters()
        ranked = self.dense_scores(question, depth=max(100, 4 * k))
        hits = self._collapse_translations(ranked, lang, filters, k)
        answerable = bool(hits) and hits[0].score >= DENSE_ANSWERABLE_THRESHOLD
        return Answer(question=question, lang=lang, answerable=answerable, hits=tuple(hits))

    def _collapse_translations(
        self, ranked: list[tuple[int, float]], lang: str, filters: Filters, k: int
    ) -> list[Hit]:
        """Keep one hit per translated pair, shown in the question's language first."""
        hits: list[Hit] = []
        taken: set[str] = set()
        for position, score in ranked:
            passage = self.index.passages[position]
            if passage.passage_id in taken or not filters.allows(passage):
                continue
            translation = self.index.passage(passage.translation_id) if passage.translation_id else None
            if translation is not None and passage.lang != lang and translation.lang == lang:
                passage, translation = translation, passage
            taken.add(passage.passage_id)
            if translation is not None:
                taken.add(translation.passage_id)
            hits.append(Hit(passage=passage, score=score, translation=translation))
            if len(hits) == k:
                break
        return hits


def open_searcher(settings: Settings, check_corpus: bool = True) -> Searcher:
    """Load the configured index and encoder; raise IndexProblem with what to run."""
    from assistant.build import corpus_fingerprint

    fingerprint = corpus_fingerprint(settings.corpus_dir) if check_corpus and settings.corpus_dir.is_dir() else None
    index = load_index(Path(settings.index_dir), encoder_id=settings.encoder, corpus_fingerprint=fingerprint)
    return Searcher(index, load_encoder(settings.encoder))
