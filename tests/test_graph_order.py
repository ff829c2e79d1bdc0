"""An HNSW graph stored breadth-first: the same answers, its linked nodes closer together in memory."""

from __future__ import annotations

import faiss
import numpy as np

from assistant.index.graph_order import breadth_first, store_breadth_first


def _graph(vectors: np.ndarray, ids: np.ndarray) -> faiss.IndexIDMap:
    graph = faiss.IndexHNSWSQ(vectors.shape[1], faiss.ScalarQuantizer.QT_8bit, 16, faiss.METRIC_INNER_PRODUCT)
    graph.train(vectors)
    index = faiss.IndexIDMap(graph)
    index.add_with_ids(vectors, ids)
    return index


def _near_links(graph: faiss.IndexHNSW, rows: int = 64) -> float:
    """Return the share of bottom-layer links that lead fewer than `rows` storage rows away."""
    neighbours = faiss.vector_to_array(graph.hnsw.neighbors)
    offsets = faiss.vector_to_array(graph.hnsw.offsets).astype(np.int64)
    width = graph.hnsw.nb_neighbors(0)
    links = neighbours[offsets[: graph.ntotal, None] + np.arange(width)[None, :]]
    gaps = np.abs(links - np.arange(graph.ntotal)[:, None])[links >= 0]
    return float(np.mean(gaps < rows))


def test_a_graph_stored_breadth_first_answers_the_same_with_its_links_closer():
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(40, 24))  # topics, as passages have: 40 of 50 passages each, in no order
    vectors = (centres[rng.integers(0, 40, 2000)] + 0.3 * rng.normal(size=(2000, 24))).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = rng.permutation(5000)[:2000].astype(np.int64)  # ids are not storage rows
    index = _graph(vectors, ids)
    graph = faiss.downcast_index(index.index)
    graph.hnsw.efSearch = 64
    queries = rng.normal(size=(30, 24)).astype(np.float32)
    before_scores, before_ids = index.search(queries, 10)
    near_before = _near_links(graph)
    entry = graph.hnsw.entry_point

    order = breadth_first(graph)
    assert np.array_equal(np.sort(order), np.arange(2000)) and order[0] == entry
    store_breadth_first(index)

    after_scores, after_ids = index.search(queries, 10)
    assert np.array_equal(after_ids, before_ids) and np.array_equal(after_scores, before_scores)
    assert _near_links(graph) > 2 * near_before  # added in no order: 6 % of links within 64 rows
    assert graph.hnsw.entry_point == 0  # the walk starts at the first row now


def test_an_empty_graph_is_left_alone():
    index = faiss.IndexIDMap(faiss.IndexHNSWSQ(8, faiss.ScalarQuantizer.QT_8bit, 16, faiss.METRIC_INNER_PRODUCT))
    store_breadth_first(index)
    assert index.ntotal == 0 and breadth_first(faiss.downcast_index(index.index)).size == 0
