"""Hostile or careless corpus files: links out, unreadable files, bombs, bad manifest values, odd encodings.

Each is skipped (or its value ignored) with a message naming it, and the rest is indexed.
"""

from __future__ import annotations

import codecs
import errno
import os
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.ingest import FileLimits, load_documents
from assistant.ingest import files as files_module
from assistant.ingest.fingerprint import corpus_fingerprint, corpus_state
from assistant.search import open_searcher
from assistant.web import create_app
from tests.reliability_support import cli_env, run_cli

GOOD = {
    "partenariat.txt": "Pour démarrer un partenariat avec le service de police, commencez par une rencontre "
    "avec l'agent sociocommunautaire de votre secteur.",
    "school.md": "# Working with schools\n\nMeet the principal early and agree on a shared protocol for "
    "referrals of youth at risk.",
}


def good_corpus(folder: Path) -> Path:
    """Write a small corpus of two good files and return its folder."""
    folder.mkdir()
    for name, text in GOOD.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def skipped(problems) -> dict[str, str]:
    return {problem.path: problem.reason for problem in problems if problem.skipped}


# --- links and files that are not files ------------------------------------------------------


def test_links_out_of_the_corpus_are_refused_and_dangling_ones_reported(tmp_path):
    corpus = good_corpus(tmp_path / "corpus")
    (corpus / "passwd.txt").symlink_to("/etc/passwd")
    (corpus / "unreadable.txt").symlink_to("/proc/self/mem")  # the case: reading it fails with EIO
    (corpus / "gone.txt").symlink_to(corpus / "deleted.txt")
    (corpus / "loop.txt").symlink_to(corpus / "loop.txt")
    (corpus / "copy.txt").symlink_to(corpus / "partenariat.txt")  # inside the corpus: followed
    os.mkfifo(corpus / "pipe.txt")  # opening it for reading would wait for a writer forever
    home = tmp_path / "home"
    home.mkdir()
    folder = tmp_path / "index"

    result = run_cli("--index", str(folder), "ingest", str(corpus), env=cli_env(home), timeout=60)

    assert result.returncode == 0, result.stderr
    assert "could not write" not in result.stderr and "Traceback" not in result.stderr
    for name, reason in [("passwd.txt", "outside the corpus folder"), ("unreadable.txt", "outside the corpus folder"),
                         ("gone.txt", "does not exist"), ("loop.txt", "does not exist"),
                         ("pipe.txt", "not a regular file")]:
        assert f"warning: skipped {name}: a" in result.stderr or f"warning: skipped {name}: not" in result.stderr, name
        assert reason in result.stderr.split(f"skipped {name}: ")[1].splitlines()[0]
    assert "indexed" in result.stdout and "from 3 documents" in result.stdout

    settings = Settings(corpus_dir=corpus, index_dir=folder)
    with open_searcher(settings) as searcher:  # the staleness check reads the corpus too
        client = create_app({"SEARCHER": searcher, "TESTING": True}).test_client()
        assert client.get("/documents/passwd").status_code == 404
        assert client.get("/documents/copy").status_code == 200
        answer = client.post("/api/ask", json={"question": "root x 0 0 root bin bash"}).get_json()
    assert "root:x:0:0" not in str(answer)
    asked = run_cli("--index", str(folder), "ask", "partenariat police",
                    env=cli_env(home, ASSISTANT_CORPUS=str(corpus)), timeout=60)
    assert asked.returncode == 0, asked.stderr
    assert "partenariat" in asked.stdout


# --- a file that cannot be read --------------------------------------------------------------


@pytest.fixture
def failing_reads(monkeypatch):
    """Make every read of the named files fail with EIO, as a bad disk or a locked file does.

    Running as root, permissions cannot make a regular file of the corpus unreadable, and
    links to /proc/self/mem are now refused before any read: the fault is injected where
    every corpus read goes through (files._open).
    """
    names: set[str] = set()
    original = files_module._open

    def opener(path):
        if Path(path).name in names:
            raise OSError(errno.EIO, "Input/output error")
        return original(path)

    monkeypatch.setattr(files_module, "_open", opener)
    return names


def test_an_unreadable_file_is_skipped_and_the_index_still_answers(tmp_path, failing_reads, runner, monkeypatch):
    corpus = good_corpus(tmp_path / "corpus")
    (corpus / "locked.txt").write_text("A file Word holds locked, or on a failing disk.", encoding="utf-8")
    failing_reads.add("locked.txt")

    documents, problems = load_documents(corpus)
    assert sorted(document.path for document in documents) == sorted(GOOD)
    assert skipped(problems) == {"locked.txt": "could not read it (Input/output error)"}
    assert corpus_state(corpus)["locked.txt"] == "unreadable"

    folder = tmp_path / "index"
    result = runner("ingest", str(corpus), index=folder)
    assert result.exit_code == 0, result.output
    assert "skipped locked.txt: could not read it (Input/output error)" in result.output
    assert "could not write" not in result.output
    monkeypatch.setenv("ASSISTANT_CORPUS", str(corpus))  # `ask` hashes every corpus file first
    asked = runner("ask", "partenariat police", index=folder)
    assert asked.exit_code == 0, asked.output
    assert "partenariat.txt" in asked.output
    with open_searcher(Settings(corpus_dir=corpus, index_dir=folder)) as searcher:  # as `serve` starts
        assert {document.path for document in searcher.index.documents.values()} == set(GOOD)

    failing_reads.clear()  # readable again: the index is stale, and says so instead of failing
    assert corpus_state(corpus)["locked.txt"] != "unreadable"
    assert corpus_fingerprint(corpus) != build_fingerprint(folder)


def build_fingerprint(folder: Path) -> str:
    from assistant.index import read_manifest

    return read_manifest(folder).corpus_fingerprint


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file without read permission")
def test_a_file_without_read_permission_is_skipped(tmp_path):
    corpus = good_corpus(tmp_path / "corpus")
    locked = corpus / "locked.txt"
    locked.write_text("Nobody may read this file, not even the assistant.", encoding="utf-8")
    locked.chmod(0)
    try:
        documents, problems = load_documents(corpus)
        assert "could not read it" in skipped(problems)["locked.txt"]
        assert len(documents) == 2 and corpus_state(corpus)["locked.txt"] == "unreadable"
    finally:
        locked.chmod(0o644)


# --- limits: file size, what a DOCX or a PDF unpacks to, extracted text ----------------------


def peak_python_memory(function) -> tuple[object, int]:
    """Return what a call returned and the peak of Python's allocations during it, in bytes."""
    tracemalloc.start()
    try:
        result = function()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_200_mb_file_is_refused_before_it_is_read(tmp_path):
    corpus = good_corpus(tmp_path / "corpus")
    with open(corpus / "huge.txt", "wb") as file:
        file.truncate(200_000_000)  # sparse: costs no disk, but 200 MB to whoever reads it
    started = time.perf_counter()
    (documents, problems), peak = peak_python_memory(lambda: load_documents(corpus))
    assert time.perf_counter() - started < 10
    assert peak < 20_000_000
    assert len(documents) == 2
    reason = skipped(problems)["huge.txt"]
    assert "over the 50.0 MB limit" in reason and "ASSISTANT_MAX_FILE_MB" in reason


def test_the_limits_are_raised_and_lowered_by_environment_variables(tmp_path, monkeypatch, runner):
    corpus = good_corpus(tmp_path / "corpus")
    monkeypatch.setenv("ASSISTANT_MAX_FILE_MB", "0.0001")  # 100 bytes: school.md is longer
    documents, problems = load_documents(corpus)
    assert [document.path for document in documents] == []
    assert "over the 0.0 MB limit" in skipped(problems)["school.md"]
    monkeypatch.setenv("ASSISTANT_MAX_FILE_MB", "1")
    limit = len(GOOD["school.md"])  # partenariat.txt is longer
    assert len(GOOD["partenariat.txt"]) > limit
    monkeypatch.setenv("ASSISTANT_MAX_TEXT_CHARS", str(limit))
    documents, problems = load_documents(corpus)
    assert [document.path for document in documents] == ["school.md"]
    assert f"limit of {limit} characters" in skipped(problems)["partenariat.txt"]
    assert "ASSISTANT_MAX_TEXT_CHARS" in skipped(problems)["partenariat.txt"]
    monkeypatch.setenv("ASSISTANT_MAX_FILE_MB", "lots")
    result = runner("ingest", str(corpus), index=tmp_path / "index")
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith("error: ASSISTANT_MAX_FILE_MB must be a positive number")


def write_docx_bomb(path: Path, whitespace: int) -> None:
    """Write a valid DOCX whose document.xml holds `whitespace` spaces before its one paragraph."""
    from docx import Document

    Document().save(str(path))
    with zipfile.ZipFile(path) as archive:
        parts = {member.filename: archive.read(member) for member in archive.infolist()}
    body = parts["word/document.xml"]
    cut = body.index(b"<w:body>") + len(b"<w:body>")
    paragraph = b"<w:p><w:r><w:t>Meet the principal early and agree on a referral protocol.</w:t></w:r></w:p>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            if name != "word/document.xml":
                archive.writestr(name, data)
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(body[:cut])
            block = b" " * (1 << 20)
            for _ in range(whitespace >> 20):
                part.write(block)
            part.write(paragraph + body[cut:])


def declare_size(path: Path, member: str, size: int) -> None:
    """Make the zip lie: write `size` as the member's uncompressed size, in both of its headers."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at:name_at + len(name)] == name:
                data[start + offset:start + offset + 4] = size.to_bytes(4, "little")
            start += 4
    path.write_bytes(bytes(data))


def test_a_docx_zip_bomb_is_refused_with_bounded_memory(tmp_path):
    corpus = good_corpus(tmp_path / "corpus")
    write_docx_bomb(corpus / "bomb.docx", 150 << 20)  # 150 MiB of spaces in a file of about 150 KB
    assert (corpus / "bomb.docx").stat().st_size < 1_000_000
    (documents, problems), peak = peak_python_memory(lambda: load_documents(corpus))
    assert peak < 20_000_000, peak
    assert len(documents) == 2
    reason = skipped(problems)["bomb.docx"]
    assert "unpacks to more than the 100.0 MB limit" in reason and "ASSISTANT_MAX_UNPACKED_MB" in reason


def test_a_docx_that_lies_about_its_size_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MAX_UNPACKED_MB", "1")
    corpus = good_corpus(tmp_path / "corpus")
    write_docx_bomb(corpus / "small.docx", 1 << 19)  # 0.5 MiB: under the limit, read
    write_docx_bomb(corpus / "liar.docx", 4 << 20)  # 4 MiB, declared as 1,000 bytes
    declare_size(corpus / "liar.docx", "word/document.xml", 1000)
    with zipfile.ZipFile(corpus / "liar.docx") as archive:
        assert sum(member.file_size for member in archive.infolist()) < 1_000_000
    (documents, problems), peak = peak_python_memory(lambda: load_documents(corpus))
    assert peak < 10_000_000, peak
    assert "small.docx" in {document.path for document in documents}
    assert "liar.docx" in skipped(problems)


def write_pdf(path: Path, content: bytes) -> None:
    """Write a one-page PDF whose page content stream is `content`, compressed (FlateDecode)."""
    stream = zlib.compress(content, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))


PDF_TEXT = b"BT /F1 12 Tf 72 700 Td (Call the school first, then the youth protection services.) Tj ET\n"


def test_a_pdf_stream_bomb_and_a_pdf_with_too_much_text_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MAX_UNPACKED_MB", "1")
    corpus = good_corpus(tmp_path / "corpus")
    write_pdf(corpus / "fine.pdf", PDF_TEXT)
    write_pdf(corpus / "bomb.pdf", PDF_TEXT + b" " * (8 << 20))  # 8 MiB of spaces after the text
    documents, problems = load_documents(corpus)
    assert "Call the school first" in {document.path: document for document in documents}["fine.pdf"].text
    reason = skipped(problems)["bomb.pdf"]
    assert "a stream of the PDF unpacks to more than the 1.0 MB limit" in reason
    assert "ASSISTANT_MAX_UNPACKED_MB" in reason

    monkeypatch.setenv("ASSISTANT_MAX_TEXT_CHARS", "40")
    (corpus / "bomb.pdf").unlink()
    documents, problems = load_documents(corpus)
    assert "limit of 40 characters" in skipped(problems)["fine.pdf"]


def test_default_limits_are_the_documented_ones():
    limits = FileLimits.from_environment({})
    assert (limits.file_bytes, limits.unpacked_bytes, limits.text_chars) == (50_000_000, 100_000_000, 2_000_000)
    assert FileLimits.from_environment({"ASSISTANT_MAX_UNPACKED_MB": "250"}).unpacked_bytes == 250_000_000


# --- manifest values, ids, NUL bytes and encodings -------------------------------------------

BAD_MANIFEST = """
[[documents]]
id = "partenariat"
file = "partenariat.txt"
title = 42
year = "2024a"
language = "de"
sectors = ["police", "martians"]

[[documents]]
id = "../../etc/x"
file = "school.md"

[[documents]]
id = "a#b?c d%"
file = "hash.txt"

[[documents]]
id = ""
file = "empty.txt"

[[documents]]
id = "good.one_2"
file = "good.txt"
year = 2021
"""


def test_wrong_manifest_values_are_ignored_with_a_message_and_ids_stay_safe(tmp_path, runner):
    corpus = good_corpus(tmp_path / "corpus")
    for name in ("hash.txt", "empty.txt", "good.txt"):
        (corpus / name).write_text(f"A guide named {name} about meeting the police and the school together.",
                                   encoding="utf-8")
    (corpus / "manifest.toml").write_text(BAD_MANIFEST, encoding="utf-8")
    folder = tmp_path / "index"

    result = runner("ingest", str(corpus), index=folder)

    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning: ignored in manifest.toml")]
    expected = [
        'document #1 ("partenariat.txt"): "title" = 42 is not a text',
        'document #1 ("partenariat.txt"): "language" = "de" is not one of en, fr',
        'document #1 ("partenariat.txt"): "year" = "2024a" is not a year such as 2024',
        'document #1 ("partenariat.txt"): "sectors" = ["police", "martians"] names unknown sector(s)',
        'document #2 ("school.md"): "id" = "../../etc/x" is not a safe id',
        'document #3 ("hash.txt"): "id" = "a#b?c d%" is not a safe id',
        'document #4 ("empty.txt"): "id" = "" is not a safe id',
    ]
    for text in expected:
        assert any(text in line for line in warnings), text
    assert len(warnings) == len(expected)
    with open_searcher(Settings(corpus_dir=corpus, index_dir=folder)) as searcher:
        documents = {document.path: document for document in searcher.index.documents.values()}
        partenariat = documents["partenariat.txt"]
        assert (partenariat.doc_id, partenariat.title, partenariat.year) == ("partenariat", "partenariat", None)
        assert partenariat.lang == "fr" and partenariat.sectors == ("police",)
        assert {path: document.doc_id for path, document in documents.items()} == {
            "partenariat.txt": "partenariat", "school.md": "school", "hash.txt": "hash", "empty.txt": "empty",
            "good.txt": "good.one_2",
        }
        assert documents["good.txt"].year == 2021
        client = create_app({"SEARCHER": searcher, "TESTING": True}).test_client()
        for document in documents.values():  # every id makes a link that works
            page = client.get(f"/documents/{document.doc_id}")
            assert page.status_code == 200, document.doc_id
            assert client.get(f"/api/documents/{document.doc_id}").status_code == 200


def test_nul_bytes_are_removed_everywhere_in_the_text(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    sentence = "Agree on a referral protocol with the school principal. "
    (corpus / "late-nul.txt").write_text(sentence * 100 + "Call\x00 the\x00 police\x00 liaison officer.",
                                         encoding="utf-8")
    documents, problems = load_documents(corpus)
    assert problems == []
    (document,) = documents
    assert "\x00" not in document.text and all("\x00" not in block.text for block in document.blocks)
    assert "Call the police liaison officer." in document.text
    assert len(sentence * 100) > 4096


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_text_with_a_byte_order_mark_is_decoded(tmp_path, encoding):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = "Le partenariat avec la police commence par une rencontre avec l'agent sociocommunautaire."
    mark = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
            "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}.get(encoding, b"")
    (corpus / "guide.txt").write_bytes(mark + text.encode(encoding))
    documents, problems = load_documents(corpus)
    assert problems == []
    assert documents[0].text == text and documents[0].lang == "fr"


def test_utf16_that_is_not_is_skipped_with_a_reason(tmp_path):
    corpus = good_corpus(tmp_path / "corpus")
    (corpus / "odd.txt").write_bytes(codecs.BOM_UTF16_LE + b"abc")  # an odd number of bytes after the mark
    documents, problems = load_documents(corpus)
    assert len(documents) == 2 and skipped(problems) == {"odd.txt": "not valid UTF-16 text"}


def test_the_listing_and_the_readers_know_the_same_suffixes():
    from assistant.ingest.readers import READERS

    assert tuple(sorted(READERS)) == files_module.SUFFIXES


def _listing_as_rglob_gives_it(corpus_dir: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """The corpus listing as it was written with Path.rglob and a Path per name: what the faster one must give."""
    from assistant.ingest.files import SUFFIXES, refusal

    names = sorted((path for path in corpus_dir.rglob("*")
                    if path.suffix.lower() in SUFFIXES and path.name != "manifest.toml"
                    and not any(part.startswith(".") for part in path.relative_to(corpus_dir).parts)
                    and path.name.lower() != "readme.md"), key=lambda path: path.relative_to(corpus_dir).as_posix())
    files, problems = [], []
    for path in names:
        reason = refusal(path, corpus_dir)
        if reason:
            problems.append((path.relative_to(corpus_dir).as_posix(), reason))
        elif not path.is_dir():
            files.append(path.relative_to(corpus_dir).as_posix())
    return files, problems


def test_the_corpus_listing_takes_and_refuses_what_a_walk_with_paths_would(tmp_path):
    """The listing walks the folder with os.scandir (the staleness check lists it at every start): same names."""
    from assistant.ingest.files import corpus_names, scan_corpus

    corpus = tmp_path / "corpus"
    for name in ("a.md", "B.TXT", "z/deep/c.html", "z/deep/.hidden.md", ".git/x.md", "sub/README.md",
                 "sub/manifest.toml", "sub/d.pdf", "notes.rst", "sub/e.", "x.md/inner.txt", "é/été.md",
                 "sub-b/f.md", "sub.b/g.md", "sub/h.docx"):
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_text(f"# {name}\n", encoding="utf-8")
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "folder" / "linked.md").write_text("# out\n", encoding="utf-8")
    (corpus / "passwd.txt").symlink_to("/etc/passwd")
    (corpus / "gone.txt").symlink_to(corpus / "deleted.txt")
    (corpus / "copy.txt").symlink_to(corpus / "a.md")
    (corpus / "linked-in.md").symlink_to(corpus / "z")  # a link to a folder, named like a file
    (corpus / "linked-out").symlink_to(outside / "folder")  # not entered
    (corpus / "linked-out.md").symlink_to(outside / "folder")  # refused
    os.mkfifo(corpus / "sub" / "pipe.txt")
    files, problems = scan_corpus(corpus)
    expected_files, expected_problems = _listing_as_rglob_gives_it(corpus)
    assert [path.relative_to(corpus).as_posix() for path in files] == expected_files
    assert [(problem.path, problem.reason) for problem in problems] == expected_problems
    assert [name for name, _ in corpus_names(corpus)] == expected_files
    assert all(path == corpus / name for name, path in corpus_names(corpus))
    assert "a.md" in expected_files and "copy.txt" in expected_files and "é/été.md" in expected_files
    assert {"passwd.txt", "gone.txt", "linked-out.md", "sub/pipe.txt"} == {name for name, _ in expected_problems}
    assert not any("hidden" in name or ".git" in name or "linked" in name for name in expected_files)


def test_a_files_hash_is_its_sha256_whatever_its_size(tmp_path):
    import hashlib

    from assistant.ingest.files import file_hash

    for size in (0, 1, 4095, 1 << 20, (5 << 19) + 7):  # empty, tiny, a page, one block, 2.5 blocks
        path = tmp_path / f"f{size}.txt"
        path.write_bytes(os.urandom(size))
        assert file_hash(path) == hashlib.sha256(path.read_bytes()).hexdigest(), size
    os.mkfifo(tmp_path / "pipe.txt")
    assert file_hash(tmp_path / "pipe.txt") == "unreadable" and file_hash(tmp_path / "missing.txt") == "unreadable"
