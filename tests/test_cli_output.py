"""The command line's output: a failed write ends cleanly, errors never quote what was typed,
file names are printed with their control characters escaped (assistant.shown)."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from assistant.shown import shown
from tests.reliability_support import cli_env

NAME = "Marie Tremblay"  # what a worker may type by mistake: it must never be printed back
DEV_FULL = Path("/dev/full")


@pytest.mark.skipif(not DEV_FULL.exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize(
    "args",
    [["ask", "police"], ["ask", "--json", "police"], ["stats"], ["--help"], ["ask", "--help"], ["export", "FIRST"]],
)
def test_a_full_standard_output_is_a_clear_error_not_a_traceback(tmp_path, bundled_index_dir, bundled_index, args):
    first = bundled_index.passages[0].passage_id
    args = [first if arg == "FIRST" else arg for arg in args]
    home = tmp_path / "home"
    home.mkdir()
    with DEV_FULL.open("wb") as full:
        done = subprocess.run(
            [sys.executable, "-m", "assistant", "--index", str(bundled_index_dir), *args],
            env=cli_env(home), stdout=full, stderr=subprocess.PIPE, timeout=300, cwd=home,
        )
    errors = done.stderr.decode()
    assert done.returncode == 2, errors
    assert "Traceback" not in errors and "Exception ignored" not in errors
    assert "error: could not write to the standard output: No space left on device" in errors


@pytest.mark.parametrize(
    "args",
    [
        ["ask", "--k", NAME, "police"],
        ["ask", "--sector", NAME, "police"],
        ["ask", "--document", NAME, "police"],
        ["ask", "--document", "aire-ouverte-partenariat-fr", "--document", NAME, "police"],
        ["ask", "police", NAME],
        ["ask", f"--{NAME}", "police"],
        [f"--{NAME}", "ask", "police"],
        [NAME],
        ["export", NAME],
        ["export", "--format", NAME, "x"],
        ["export", "--lang", NAME, "x"],
        ["eval", NAME],
        ["eval", "--retriever", NAME, "x"],
        ["eval", "--k", NAME, "x"],
        ["stats", NAME],
        ["serve", "--port", NAME],
        ["ingest", "corpus", NAME],
    ],
)
def test_cli_errors_never_repeat_what_was_typed(runner, args):
    result = runner(*args)
    assert result.exit_code == 2, result.output
    assert "Tremblay" not in result.output, result.output
    assert result.output.startswith(("error: ", "Usage: ")), result.output


def test_usage_errors_still_say_what_was_expected(runner):
    assert "expected a whole number from 1 to 50" in runner("ask", "--k", "abc", "x").output
    assert "expected one of community, institutional, police, school" in runner("ask", "--sector", "x", "y").output
    assert "in quotes" in runner("ask", "police", "de", "quartier").output


@pytest.mark.parametrize(
    ("name", "printed"),
    [
        ("plain é.txt", "plain é.txt"),
        ("a\nwarning: forged.txt", "a\\nwarning: forged.txt"),
        ("clear\x1b[2J\x1b[H.txt", "clear\\x1b[2J\\x1b[H.txt"),
        ("bell\x07\x00\x7f\x9b.txt", "bell\\x07\\x00\\x7f\\x9b.txt"),
        ("rtl\u202etxt.exe", "rtl\\u202etxt.exe"),
        ("line\u2028sep\r.txt", "line\\u2028sep\\r.txt"),
        ("latin1 \udce9t\udce9.txt", "latin1 \\xe9t\\xe9.txt"),
    ],
)
def test_shown_escapes_every_control_character(name, printed):
    assert shown(name) == printed
    assert shown(Path(name)) == printed
    assert not [char for char in printed if unicodedata.category(char).startswith("C")]


def test_ingest_prints_file_names_escaped(runner, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = "La collaboration entre les organismes communautaires et la police du quartier. " * 20
    (corpus / "note\x1b[31m\nfake.txt").write_text(text, encoding="utf-8")
    (corpus / "bad\x07\u202e.txt").write_bytes(bytes(range(256)) * 4)
    result = runner("ingest", str(corpus), index=tmp_path / "index")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output and "\u202e" not in result.output
    assert "note\\x1b[31m\\nfake.txt" in result.output
    assert "warning: skipped bad\\x07\\u202e.txt: binary content" in result.output
    assert all(line.startswith(("warning: ", "indexed ", "added: ", "embedding")) for line in
               result.output.splitlines() if line.strip()), result.output


def test_fuzz_no_cli_error_repeats_what_was_typed(runner):
    """Any command, any options, the name anywhere: an error says what went wrong, never the name.

    Folders and encoders (--index, --encoder, ingest's CORPUS_DIR) are settings, not things a
    person says: their errors name them, escaped, to say which one is wrong.
    """
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    tokens = ["ask", "export", "eval", "stats", "serve", "--k", "--sector", "--document", "--after",
              "--json", "--format", "--lang", "-o", "--retriever", "--reset", "--port",
              "-", "--", "0", "police", NAME, f"--{NAME}", f"-{NAME}", f"{NAME}=1", f"--k={NAME}"]
    seen: list[int] = []

    @settings(deadline=None, database=None, max_examples=150,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(args=st.lists(st.sampled_from(tokens), min_size=1, max_size=6).filter(lambda args: NAME in " ".join(args)))
    def run(args):
        if args[0] == "serve" and NAME not in args and f"--{NAME}" not in args:
            return  # would start a server: not an error path
        result = runner(*args, input="")
        seen.append(result.exit_code)
        if result.exit_code != 0:
            assert "Tremblay" not in result.output, (args, result.output)
            assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)

    run()
    assert 2 in seen
