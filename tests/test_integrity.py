"""Index integrity: every file's size and SHA-256 in the manifest, checked on load; a file
garbled in place (same size) never answers; a load racing a rebuild retries once."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import assistant.index.load as load_module
from assistant.build import build_index
from assistant.index import MANIFEST, IndexCorrupt, check_index_files, load_index, read_manifest
from assistant.index.checksums import file_checksums
from assistant.search import Searcher
from assistant.web import create_app
from tests.reliability_support import cli_env, run_cli

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
QUESTION = "How should a youth worker prepare a first meeting with the police?"
ROLES = ["vectors", "embeddings", "passages", "documents", "lexical.data", "lexical.indices",
         "lexical.indptr", "lexical.vocab", "lexical.params", "lexicon"]


def garble(path: Path, size: int = 64, seed: int = 0) -> None:
    """Overwrite `size` bytes in the middle of a file with random ones: same size, other content."""
    data = bytearray(path.read_bytes())
    start = len(data) // 2 - size // 2
    data[start : start + size] = np.random.default_rng(seed).bytes(size)
    path.write_bytes(bytes(data))


def file_of(folder: Path, role: str) -> Path:
    return folder / read_manifest(folder).files[role]


def test_every_file_of_the_manifest_has_its_size_and_digest(index_copy):
    manifest = read_manifest(index_copy)
    assert set(manifest.checksums) == set(manifest.files) and set(ROLES) <= set(manifest.files)
    for role, name in manifest.files.items():
        assert manifest.checksums[role]["size"] == (index_copy / name).stat().st_size
        assert len(manifest.checksums[role]["sha256"]) == 64


def test_a_file_role_added_later_is_covered_without_naming_it(index_copy):
    """Whatever roles a later layout adds to `files`, they are recorded and checked alike."""
    (index_copy / "extra-part.bin").write_bytes(b"0123456789" * 100)
    files = {**read_manifest(index_copy).files, "extra.part": "extra-part.bin"}
    checksums = file_checksums(index_copy, files)
    check_index_files(index_copy, files, checksums, verify=True)
    garble(index_copy / "extra-part.bin", size=10)
    with pytest.raises(IndexCorrupt, match=r"extra-part\.bin: its content has changed"):
        check_index_files(index_copy, files, checksums, verify=True)
    check_index_files(index_copy, files, checksums, verify=False)  # same size: only content tells
    with pytest.raises(IndexCorrupt, match="missing"):
        check_index_files(index_copy, {**files, "other": "not-there.bin"}, {**checksums, "other": {"size": 1}},
                          verify=False)


@pytest.mark.parametrize("role", ROLES)
def test_a_file_garbled_in_the_middle_is_refused_at_load(index_copy, role):
    path = file_of(index_copy, role)
    garble(path)
    with pytest.raises(IndexCorrupt) as raised:
        load_index(index_copy, "usem3")  # small: every byte checked
    message = str(raised.value)
    assert "damaged" in message and path.name in message and "run `assistant ingest`" in message


@pytest.mark.parametrize("role", ["vectors", "embeddings", "lexical.data", "lexical.indices", "lexical.indptr"])
def test_checked_by_size_only_a_garbled_file_stops_before_answering(index_copy, searcher, role):
    """A large index is checked by size at load: the sanity checks catch what the digest would."""
    garble(file_of(index_copy, role))
    check_index_files(index_copy, read_manifest(index_copy).files, read_manifest(index_copy).checksums, verify=False)
    with pytest.raises(IndexCorrupt, match="damaged .* run `assistant ingest`"):
        with load_index(index_copy, "usem3", verify=False) as index:
            Searcher(index, searcher.encoder).ask(QUESTION)


@pytest.mark.parametrize("weight", [1e37, np.inf, np.nan, -1.0])
def test_a_keyword_weight_no_sum_could_hold_is_refused_at_load_not_added_up_per_question(index_copy, weight):
    """Searches add the weights up unchecked: one whose sums could overflow (or not a weight) stops the load."""
    data = np.load(file_of(index_copy, "lexical.data"), mmap_mode="r+")
    data[len(data) // 2] = weight  # same size, other content: what a size-only check lets through
    data.flush()
    del data
    with pytest.raises(IndexCorrupt, match="keyword weights out of range"):
        load_index(index_copy, "usem3", verify=False)


@pytest.mark.parametrize(("cosines", "fine"), [
    ([0.3, -1.05, 1.05], True), ([], True), ([np.nan], False), ([0.2, np.inf], False), ([-np.inf, 0.1], False),
    ([0.1, 1.06], False), ([-1.06], False), ([0.5, np.nan, 0.7], False),
])
def test_cosines_no_normalised_vectors_can_give_stop_the_question(cosines, fine):
    from assistant.index.sanity import check_cosines

    scores = np.array(cosines, dtype=np.float32)
    if fine:
        assert check_cosines(scores) is scores
    else:
        with pytest.raises(IndexCorrupt, match="similarities out of range"):
            check_cosines(scores)


def test_the_server_refuses_to_start_on_an_index_garbled_in_place(tmp_path, index_copy):
    garble(file_of(index_copy, "vectors"))  # before: it started and answered with scores near 1e34
    home = tmp_path / "home"
    home.mkdir()
    env = cli_env(home, ASSISTANT_CORPUS=str(CORPUS))
    result = run_cli("--index", str(index_copy), "serve", "--port", "0", env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the index in "), result.stderr
    assert "vectors-" in lines[0] and "content has changed" in lines[0] and "run `assistant ingest`" in lines[0]


def test_a_file_of_another_size_is_refused_even_when_content_is_not_checked(index_copy):
    path = file_of(index_copy, "passages")
    path.write_bytes(path.read_bytes() + b"\n")
    with pytest.raises(IndexCorrupt, match=r"passages-.*bytes, \d+ expected"):
        load_index(index_copy, verify=False)


@pytest.fixture
def damaged_past_the_sample(index_copy, monkeypatch) -> Path:
    """An index whose vectors are garbled in rows the load-time sample does not read."""
    monkeypatch.setattr("assistant.index.sanity.SAMPLED_ROWS", 1)  # row 0 only, as if the index were large
    monkeypatch.setattr("assistant.search.dense.SPREAD_SAMPLE", 1)
    monkeypatch.setattr("assistant.index.checksums.VERIFY_CONTENT_BELOW", 0)  # as for a large index
    garble(file_of(index_copy, "vectors"), size=16384, seed=3)
    return index_copy


def test_garbled_vectors_found_while_searching_stop_the_question(damaged_past_the_sample, searcher):
    with load_index(damaged_past_the_sample, "usem3") as index:  # loads: sizes right, row 0 fine
        with pytest.raises(IndexCorrupt, match="similarities out of range"):
            Searcher(index, searcher.encoder).ask(QUESTION)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_server_answers_503_with_what_to_do_not_a_500(damaged_past_the_sample, searcher, lang):
    with load_index(damaged_past_the_sample, "usem3") as index:
        client = create_app({"SEARCHER": Searcher(index, searcher.encoder), "TESTING": True}).test_client()
        response = client.post("/api/ask", json={"question": QUESTION}, headers={"Accept-Language": lang})
    assert response.status_code == 503
    body = response.get_json()
    assert body["error"] == "index_damaged" and "assistant ingest" in body["message"]


def test_ask_stops_with_one_line_when_the_search_finds_damage(damaged_past_the_sample, runner, monkeypatch):
    monkeypatch.setenv("ASSISTANT_CORPUS", str(CORPUS))
    result = runner("ask", QUESTION, index=damaged_past_the_sample)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: the index is damaged") and result.output.count("\n") == 1


def test_ingest_verify_reports_a_whole_index_and_a_damaged_one(index_copy, runner):
    result = runner("ingest", "--verify", index=index_copy)
    assert result.exit_code == 0, result.output
    assert "is whole" in result.output and f"{len(read_manifest(index_copy).files)} files" in result.output
    garble(file_of(index_copy, "documents"))
    result = runner("ingest", "--verify", index=index_copy)
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and "damaged" in result.output and "documents-" in result.output


def test_ingest_verify_says_an_index_without_checksums_cannot_be_verified(index_copy, runner):
    data = json.loads((index_copy / MANIFEST).read_text(encoding="utf-8"))
    del data["checksums"]
    (index_copy / MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    with load_index(index_copy, "usem3") as index:  # an index built before checksums still loads
        assert len(index.passages) == data["counts"]["passages"]
    result = runner("ingest", "--verify", index=index_copy)
    assert result.exit_code == 2 and "without checksums" in result.output


def test_a_build_does_not_reuse_garbled_vectors(index_copy):
    garble(file_of(index_copy, "embeddings"), size=4096)
    report = build_index(CORPUS, index_copy, "usem3")
    assert report.embedded == report.passages and report.reused == 0
    check_index_files(index_copy, report.manifest.files, report.manifest.checksums, verify=True)


def test_a_load_retries_once_when_a_rebuild_switches_the_manifest(index_copy, monkeypatch):
    """The manifest is read, then a build replaces it and removes the files it named."""
    first = read_manifest(index_copy).build
    real_table = load_module.PassageTable
    rebuilt = []

    class RebuildFirst(real_table):
        def __init__(self, path):
            if not rebuilt:
                rebuilt.append(build_index(CORPUS, index_copy, "usem3").manifest.build)
            super().__init__(path)

    monkeypatch.setattr(load_module, "PassageTable", RebuildFirst)
    with load_index(index_copy, "usem3") as index:
        assert index.manifest.build == rebuilt[0] != first


def test_a_damaged_index_is_not_retried_forever(index_copy, monkeypatch):
    calls = []
    real = load_module._load_build
    monkeypatch.setattr(load_module, "_load_build", lambda *args: calls.append(1) or real(*args))
    garble(file_of(index_copy, "passages"))
    with pytest.raises(IndexCorrupt):
        load_index(index_copy)
    assert len(calls) == 1  # the manifest did not change: no second try


def test_loads_while_another_process_rebuilds_never_fail(index_copy, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    script = ("import sys\nfrom assistant.__main__ import main\n"
              "for _ in range(4):\n    main(['--index', sys.argv[1], 'ingest', sys.argv[2]], standalone_mode=False)\n")
    builder = subprocess.Popen([sys.executable, "-c", script, str(index_copy), str(CORPUS)], env=cli_env(home),
                               cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    builds, loads, failures = set(), 0, []
    try:
        while builder.poll() is None:
            try:
                with load_index(index_copy) as index:
                    builds.add(index.manifest.build)
                loads += 1
            except IndexCorrupt as error:
                failures.append(str(error))
            time.sleep(0.001)
    finally:
        builder.wait(timeout=300)
    assert builder.returncode == 0
    assert len(builds) >= 3 and loads > 50
    assert failures == []
