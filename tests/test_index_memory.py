"""A build's memory: the passages let go before the graph, the graph given its final capacity at once."""

from __future__ import annotations

import faiss
import numpy as np

from assistant.index import load_index, make_faiss_index, read_manifest, save_index
from assistant.index import vectors as vector_module


def _save(folder, passages, vectors, release):
    manifest = {"encoder": {"id": "usem3", "dimension": vectors.shape[1]},
                "corpus": {"folder": "x", "fingerprint": "x", "files": {}}}
    return save_index(folder, [], passages, vectors, manifest, release_passages=release, approximate_above=50)


def test_released_passages_are_emptied_after_writing_the_same_files(bundled_index, tmp_path):
    passages = list(bundled_index.passages)
    vectors = np.asarray(bundled_index.vectors)
    kept, released = list(passages), list(passages)
    first = _save(tmp_path / "kept", kept, vectors, release=False)
    second = _save(tmp_path / "released", released, vectors, release=True)
    assert len(kept) == len(passages) and released == []  # emptied: the build's one reference lets them go
    assert second.passage_count == first.passage_count == len(passages)
    for part in ("passages", "embeddings", "lexical.data", "lexical.indices", "lexical.indptr", "lexical.vocab"):
        assert ((tmp_path / "released" / second.files[part]).read_bytes()
                == (tmp_path / "kept" / first.files[part]).read_bytes()), part
    with load_index(tmp_path / "released", "usem3") as index:
        assert [passage.passage_id for passage in index.passages] == [passage.passage_id for passage in passages]
        assert index.lexical is not None and read_manifest(tmp_path / "released").faiss["kind"] == "hnsw"


def test_graph_given_its_capacity_first_is_the_same_graph(monkeypatch):
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(3000, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    monkeypatch.setattr(vector_module, "BLOCK", 700)  # several adds, as at 100k passages
    faiss.omp_set_num_threads(1)
    monkeypatch.setattr(vector_module, "_faiss_threads", lambda count: _Nothing())  # one thread: deterministic
    reserved, _ = make_faiss_index(vectors, approximate_above=100)
    monkeypatch.setattr(vector_module, "_reserve", lambda graph, count: None)
    grown, _ = make_faiss_index(vectors, approximate_above=100)
    assert faiss.serialize_index(reserved).tobytes() == faiss.serialize_index(grown).tobytes()
    graph = faiss.downcast_index(reserved.index)
    assert graph.ntotal == 3000 and graph.hnsw.neighbors.size() <= 3000 * (2 * graph.hnsw.nb_neighbors(1) + 2)


class _Nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
