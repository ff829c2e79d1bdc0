"""The keyword index: BM25 (bm25s) over accent-folded, stemmed French and English words.

bm25s builds and saves it; a saved one is read back without bm25s (see
assistant.index.stored_keyword), so that serving never imports bm25s or scipy.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.index.stored_keyword import StoredBM25
from assistant.index.terms import passage_terms
from assistant.records import Passage

if TYPE_CHECKING:
    import bm25s

log = logging.getLogger(__name__)

# Bump when tokenising or BM25 parameters change: saved keyword indexes are then rebuilt.
LEXICAL_VERSION = 3
# BM25 parameters: bm25s' defaults for the Lucene variant, which suit short passages.
K1 = 1.5
B = 0.75
# Terms more than this share of the passages hold are added as whole columns (their weight
# for every passage, 0.0 where absent), not posting by posting: at 100,000 passages the
# 8 such terms (3 MB of columns) take a question's sums from 0.37 to 0.29 ms; more terms
# (an eighth: 51, 21 MB) gain nothing more.
DENSE_SHARE = 0.25
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



@dataclass
class LexicalIndex:
    """A BM25 index of the passages, in index order: built by bm25s, or read back from its files."""

    bm25: bm25s.BM25 | StoredBM25
    count: int
    _columns: dict[int, np.ndarray] = field(default_factory=dict, init=False, repr=False, compare=False)

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """Return the BM25 score of every passage for the terms (zeros if none is known), a new array.

        The sums bm25s makes (each term's postings added in turn, in float32), from plain
        views of its arrays: sliced as memory maps, each slice costs a Python object of
        numpy.memmap (half the time at 10,000 passages). A frequent term (see DENSE_SHARE)
        is added as a whole column: + 0.0 where a passage lacks it leaves that sum as it is.
        """
        ids = self.bm25.get_tokens_ids(list(terms))
        if ids and self.bm25.nonoccurrence_array is not None:  # BM25 variants other than this index's
            return np.asarray(self.bm25.get_scores_from_ids(ids), dtype=np.float32)
        data, indices, indptr = self._postings if ids else (None, None, [])
        scores = None
        for term in ids:
            if term + 1 >= len(indptr):  # bm25s's placeholder term "" has no postings
                continue
            if term in self._frequent:
                column = self._column(term)
                if scores is None:  # 0.0 + a weight is the weight
                    scores = column.copy()
                else:
                    np.add(scores, column, out=scores)
                continue
            if scores is None:
                scores = np.zeros(self.count, dtype=np.float32)
            start, end = indptr[term], indptr[term + 1]
            np.add.at(scores, indices[start:end], data[start:end])
        return scores if scores is not None else np.zeros(self.count, dtype=np.float32)

    @cached_property
    def _frequent(self) -> frozenset[int]:
        """Return the terms more than DENSE_SHARE of the passages hold."""
        indptr = np.asarray(self.bm25.scores["indptr"])
        return frozenset(np.flatnonzero(np.diff(indptr) > DENSE_SHARE * self.count).tolist())

    def _column(self, term: int) -> np.ndarray:
        """Return a frequent term's weight for every passage (0.0 where it is absent), made on first use."""
        column = self._columns.get(term)
        if column is None:
            data, indices, indptr = self._postings
            column = np.zeros(self.count, dtype=np.float32)
            start, end = indptr[term], indptr[term + 1]
            np.add.at(column, indices[start:end], data[start:end])
            column.flags.writeable = False
            self._columns[term] = column  # two threads may both make it: the same numbers
        return column

    @cached_property
    def _postings(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return bm25s's weights, passage numbers and term offsets as plain arrays (views, no copy)."""
        parts = self.bm25.scores
        return np.asarray(parts["data"]), np.asarray(parts["indices"]), np.asarray(parts["indptr"]).tolist()

    def terms(self) -> frozenset[str]:
        """Return every term some passage holds."""
        return frozenset(self.bm25.vocab_dict)

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
        """Read an index written by save() (without bm25s: see assistant.index.stored_keyword)."""
        return cls(bm25=StoredBM25.load(folder, names, memory_map=memory_map), count=count)


def lexical_text(passage: Passage) -> str:
    """Return what keyword search sees of a passage: its headings and its own words (not its lead)."""
    return " ".join((*passage.section, passage.own_text))


def build_lexical(passages: Sequence[Passage]) -> LexicalIndex:
    """Index passages for BM25, each stemmed in its own language."""
    return index_terms(lexical_terms(passages))


def lexical_terms(passages: Sequence[Passage]) -> list[list[str]]:
    """Return each passage's keyword terms, stemmed in its own language (what index_terms takes)."""
    # One copy of each term: a corpus repeats a small vocabulary, and 100,000 passages' terms
    # as separate strings take ~150 MB while the index is built.
    return [[sys.intern(term) for term in passage_terms(lexical_text(passage), passage.lang)] for passage in passages]


def index_terms(corpus: list[list[str]]) -> LexicalIndex:
    """Return the BM25 index of passages' terms (see lexical_terms): the passages themselves need not be held."""
    import bm25s  # here, not at the top: serving reads saved indexes without it

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its own logger to DEBUG
    bm25 = bm25s.BM25(k1=K1, b=B, method="lucene")
    if corpus and any(corpus):
        bm25.index(corpus, show_progress=False)
    else:  # bm25s cannot index an empty vocabulary; one placeholder term keeps it valid
        bm25.index([["\x00"] for _ in corpus] or [["\x00"]], show_progress=False)
    return LexicalIndex(bm25=bm25, count=len(corpus))
