"""Pair the passages of a translated document with those of its original."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from assistant.index.ondisk import VectorRows
from assistant.records import Document, DocumentInfo, Passage

MIN_SIMILARITY = 0.55  # below this two passages are not translations of each other...
# ...unless they sit at the same relative place in both documents, with at least this
# similarity: a quote whose attribution was rewritten in translation (0.47 in the bundled
# corpus) is still the same quote.
PLACED_SIMILARITY = 0.40
SAME_PLACE = 0.1  # relative places (0 = start, 1 = end) this close count as the same
ORDER_WEIGHT = 0.15  # how much being at the same relative place helps


def link_translations(documents: Sequence[Document | DocumentInfo], passages: list[Passage],
                      vectors: np.ndarray | VectorRows) -> list[Passage]:
    """Return passages where each translated pair points at the other through translation_id.

    A pair is kept when each passage is the other's best match, scoring cosine similarity
    plus a bonus for sitting at the same relative place in both documents, and their
    similarity reaches MIN_SIMILARITY (PLACED_SIMILARITY when they sit at the same place).
    """
    by_doc: dict[str, list[int]] = {}
    for number, passage in enumerate(passages):
        by_doc.setdefault(passage.doc_id, []).append(number)
    linked = list(passages)
    for document in documents:
        original = document.translation_of
        if not original or original not in by_doc or document.doc_id not in by_doc:
            continue
        source_rows, target_rows = by_doc[original], by_doc[document.doc_id]
        similarity = np.asarray(vectors[target_rows]) @ np.asarray(vectors[source_rows]).T
        target_place = np.linspace(0, 1, len(target_rows))[:, None]
        source_place = np.linspace(0, 1, len(source_rows))[None, :]
        score = similarity + ORDER_WEIGHT * (1 - np.abs(target_place - source_place))
        best_source = score.argmax(axis=1)
        best_target = score.argmax(axis=0)
        for target_index, source_index in enumerate(best_source):
            if best_target[source_index] != target_index:
                continue
            same_place = abs(target_place[target_index, 0] - source_place[0, source_index]) <= SAME_PLACE
            needed = PLACED_SIMILARITY if same_place else MIN_SIMILARITY
            if similarity[target_index, source_index] < needed:
                continue
            target, source = target_rows[target_index], source_rows[source_index]
            linked[target] = replace(linked[target], translation_id=passages[source].passage_id)
            linked[source] = replace(linked[source], translation_id=passages[target].passage_id)
    return linked
