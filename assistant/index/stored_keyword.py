"""A saved keyword index read with numpy alone: what bm25s.BM25.load gives search, without bm25s.

Importing bm25s imports scipy: ~0.15 s at every start of `assistant serve`, for a search
that only adds up precomputed columns (assistant.index.keyword.LexicalIndex.scores does,
bit for bit as bm25s; tests/test_lexical.py compares them). This reads the files bm25s
wrote: its parameters, its vocabulary and its CSC arrays, memory-mapped or not. Building
an index still uses bm25s.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

# bm25s' variants whose scores are the sum of the saved columns alone.
SCORED_METHODS = ("robertson", "lucene", "atire")


class StoredBM25:
    """The parts of a bm25s.BM25 that search uses, read from its saved files."""

    nonoccurrence_array = None  # bm25s' extra array of BM25L and BM25+, which load() refuses

    def __init__(self, scores: dict, vocab_dict: dict[str, int]) -> None:
        self.scores = scores  # data, indices, indptr (a CSC matrix, one column per term) and num_docs
        self.vocab_dict = vocab_dict

    @classmethod
    def load(cls, folder: Path, names: dict[str, str], memory_map: bool = True) -> StoredBM25:
        """Read the files bm25s.BM25.save wrote under `names` (data, indices, indptr, vocab, params).

        Raise ValueError for a variant that also needs bm25s' non-occurrence array (BM25L,
        BM25+): assistant.index.keyword builds none of them.
        """
        params = json.loads((folder / names["params"]).read_text(encoding="utf-8"))
        if params.get("method") not in SCORED_METHODS:
            raise ValueError(f"a keyword index of the {params.get('method')!r} kind")
        vocab = json.loads((folder / names["vocab"]).read_text(encoding="utf-8"))
        mode = "r" if memory_map else None
        scores = {part: np.load(folder / names[part], mmap_mode=mode, allow_pickle=False)
                  for part in ("data", "indices", "indptr")}
        scores["num_docs"] = params["num_docs"]
        return cls(scores, vocab)

    def get_tokens_ids(self, query_tokens: list[str]) -> list[int]:
        """Return the ids of the known tokens, in order, unknown ones left out."""
        return [self.vocab_dict[token] for token in query_tokens if token in self.vocab_dict]
