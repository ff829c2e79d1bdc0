"""The question path's shortcuts: document facts read once, the same answers as the long way."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator, Mapping

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
