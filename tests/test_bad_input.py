"""Bad input, API and CLI: each gets a clear 4xx (or a sensible answer), never a 500 or a traceback.

The fixed cases of the API live in test_web.py; here are the command line's, the ones the
issue lists that test_web.py does not, and a property-based fuzz of the whole API.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assistant.rules import MAX_QUESTION_CHARS
from tests.reliability_support import cli_env

ODD_QUESTIONS = {
    "spanish": "¿Cómo empiezo una colaboración con la policía del barrio?",
    "chinese": "如何与学校和警察建立合作关系？",
    "emoji": "🤝🚓🏫🙂",
    "arabic": "كيف أبدأ شراكة مع الشرطة والمدرسة؟",
    "hebrew": "איך מתחילים שיתוף פעולה עם המשטרה?",
    "html": '<script>alert("x")</script><img src=x onerror=alert(1)> police partnership',
    "long word": "collaboration" * 150,
    "one letter": "?",
    "mixed scripts": "Comment collaborer with la policía 警察 ?",
    "control characters": "police\x07\x1b[31m partnership\tschool",
}


def assert_clean_error(response, status: int | None = None) -> dict:
    """Check an API error is a JSON 4xx with a message and no traceback; return its body."""
    assert 400 <= response.status_code < 500, response.data[:300]
    if status is not None:
        assert response.status_code == status
    assert response.mimetype == "application/json"
    data = response.get_json()
    assert data["message"] and data["error"] and data["lang"] in {"fr", "en"}
    assert "Traceback" not in response.get_data(as_text=True)
    return data


# --- the API --------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [100_000, 1_000_000])
def test_a_huge_question_is_refused_with_the_limit(client, size):
    body = json.dumps({"question": "partenariat police " * (size // 19)}).encode()
    data = assert_clean_error(client.post("/api/ask", data=body, content_type="application/json"), 413)
    assert str(MAX_QUESTION_CHARS) in data["message"]


def test_a_long_question_gets_the_limit_in_its_language(client):
    question = "Comment travailler avec les policiers et les écoles du quartier ? " * 40
    data = assert_clean_error(client.post("/api/ask", json={"question": question}), 400)
    assert data["lang"] == "fr" and f"{MAX_QUESTION_CHARS}" in data["message"].replace("\u202f", " ")


@pytest.mark.parametrize("name", list(ODD_QUESTIONS))
def test_odd_questions_are_answered_sensibly(client, name):
    response = client.post("/api/ask", json={"question": ODD_QUESTIONS[name], "k": 3})
    assert response.status_code == 200
    data = response.get_json()
    assert data["lang"] in {"fr", "en"} and isinstance(data["answerable"], bool)
    assert len(data["passages"]) <= 3


@pytest.mark.parametrize(
    "body",
    [
        bytes(range(256)),
        b"\x00" * 100,
        b"\x89PNG\r\n\x1a\n" + bytes(200),
        b'{"question": "police\xc3\x28"}',
        b"\xef\xbb\xbf" + json.dumps({"question": "police"}).encode(),
        json.dumps({"question": "police"}).encode("utf-16"),
    ],
)
def test_binary_and_invalid_utf8_bodies_are_refused(client, body):
    response = client.post("/api/ask", data=body, content_type="application/json")
    if response.status_code == 200:  # a UTF-8 byte order mark is still UTF-8
        assert body.startswith(b"\xef\xbb\xbf")
        return
    assert_clean_error(response, 400)


# --- the command line -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["ask", ""], "the question is empty"),
        (["ask", "   \n\t "], "the question is empty"),
        (["ask", "police " * 20_000], "too long"),
        (["ask", "police " * 20_000 + "la police et les écoles"], "too long"),
        (["ask", "--k", "0", "police"], "Invalid value for '--k'"),
        (["ask", "--k", "-1", "police"], "Invalid value for '--k'"),
        (["ask", "--k", "1000000000", "police"], "Invalid value for '--k'"),
        (["ask", "--k", "abc", "police"], "Invalid value for '--k'"),
        (["ask"], "the question is empty"),
        (["ask", "-"], "the question is empty"),
    ],
)
def test_cli_refuses_bad_questions_with_exit_2(runner, args, expected):
    result = runner(*args)
    assert result.exit_code == 2, result.output
    assert expected.lower() in result.output.lower()
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_cli_reads_the_question_from_a_pipe_to_keep_it_out_of_shell_history(runner):
    result = runner("ask", "--json", "--k", "2", input="Comment démarrer un partenariat avec la police ?\n")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["question"] == "Comment démarrer un partenariat avec la police ?" and len(data["passages"]) == 2
    too_long = runner("ask", "-", input="police " * 50_000)
    assert too_long.exit_code == 2 and "too long" in too_long.output


def test_cli_says_too_long_in_french_for_a_french_question(runner):
    result = runner("ask", "Comment travailler avec la police et les écoles du quartier ? " * 100)
    assert result.exit_code == 2
    assert "la question est trop longue" in result.output.lower() and str(MAX_QUESTION_CHARS) in result.output


@pytest.mark.parametrize("name", list(ODD_QUESTIONS))
def test_cli_answers_odd_questions(runner, name):
    result = runner("ask", "--json", "--k", "2", ODD_QUESTIONS[name])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["lang"] in {"fr", "en"} and len(data["passages"]) <= 2


def test_cli_refuses_invalid_utf8_arguments(tmp_path, bundled_index_dir):
    home = tmp_path / "home"
    home.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "--index", str(bundled_index_dir), "ask", b"police \xff\xfe"],
        env=cli_env(home, LC_ALL="C.UTF-8"),
        capture_output=True,
        timeout=120,
        cwd=home,
    )
    assert done.returncode == 2
    assert b"Traceback" not in done.stderr
    assert done.stderr.decode().lower().startswith("error: the question holds characters that are not text")


# --- property-based fuzzing of the API ------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=8,
)
questions = st.one_of(
    st.text(max_size=120),
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=60),
    st.sampled_from(list(ODD_QUESTIONS.values()) + ["", " ", "police", "école", "\ud800", "\x00"]),
    st.text(min_size=MAX_QUESTION_CHARS - 5, max_size=MAX_QUESTION_CHARS + 5, alphabet="ab é🙂"),
    json_values,
)
ask_bodies = st.fixed_dictionaries(
    {"question": questions},
    optional={
        "k": st.one_of(st.integers(), st.sampled_from([0, -1, 10**9, "abc", 1.5, True, None]), json_values),
        "sectors": st.one_of(st.lists(st.sampled_from(["police", "school", "moon", ""])), json_values),
        "documents": st.one_of(st.lists(st.text(max_size=30), max_size=3), json_values),
    },
)
# Unknown extra fields are ignored, whatever they hold.
ask_bodies = st.tuples(ask_bodies, st.dictionaries(st.text(max_size=8), json_values, max_size=2)).map(
    lambda parts: {**parts[1], **parts[0]}
)
content_types = st.sampled_from(
    ["application/json", "application/json; charset=utf-8", "application/json; charset=latin-1",
     "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "",
     "application/problem+json"]
)
FUZZ = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)


def check_api_response(response) -> None:
    """No 500 ever; errors are JSON with a message, never a stack trace."""
    assert response.status_code < 500, response.data[:300]
    assert b"Traceback" not in response.data
    if response.status_code >= 400:
        assert response.mimetype == "application/json"
        assert response.get_json()["message"]


def test_fuzz_ask_with_generated_json(client):
    sent = []

    @settings(FUZZ, max_examples=600)
    @given(body=ask_bodies, ascii_only=st.booleans())
    def ask(body, ascii_only):
        data = json.dumps(body, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
        response = client.post("/api/ask", data=data, content_type="application/json")
        sent.append(response.status_code)
        check_api_response(response)
        if response.status_code == 200:
            answer = response.get_json()
            assert answer["lang"] in {"fr", "en"} and isinstance(answer["passages"], list)

    ask()
    assert len(sent) >= 600
    assert 200 in sent and 400 in sent  # both answers and refusals were exercised


def test_fuzz_ask_with_raw_bodies(client):
    sent = []

    @settings(FUZZ, max_examples=300)
    @given(body=st.one_of(st.binary(max_size=600), json_values.map(lambda value: json.dumps(value).encode())),
           content_type=content_types)
    def ask(body, content_type):
        response = client.post("/api/ask", data=body, content_type=content_type)
        sent.append(response.status_code)
        check_api_response(response)

    ask()
    assert len(sent) >= 300


def test_fuzz_paths_and_methods(client):
    sent = []

    @settings(FUZZ, max_examples=200)
    @given(
        prefix=st.sampled_from(["/api/documents/", "/api/passages/", "/documents/", "/api/", "/static/", "/"]),
        tail=st.text(st.characters(codec="utf-8", exclude_characters="?#"), max_size=40),
        method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"]),
    )
    @example(prefix="/", tail="/\x80", method="GET")
    def visit(prefix, tail, method):
        path = prefix + tail
        if path.startswith("//"):  # the test client would read "//…" as a host name: give it as a server would
            response = client.open("/", method=method,
                                   environ_overrides={"PATH_INFO": path.encode("utf-8").decode("latin-1")})
        else:
            response = client.open(path, method=method)
        sent.append(response.status_code)
        assert response.status_code < 500, (prefix + tail, response.data[:300])
        assert b"Traceback" not in response.data and b"root:x:0:0" not in response.data
        if (prefix + tail).startswith("/api/") and response.status_code >= 400 and method != "HEAD":
            assert response.mimetype == "application/json"

    visit()
    assert len(sent) >= 200


def test_fuzz_the_command_line(runner):
    sent = []

    @settings(FUZZ, max_examples=200)
    @given(
        question=st.one_of(questions.filter(lambda value: isinstance(value, str)), st.just("-")),
        k=st.one_of(st.none(), st.integers().map(str), st.text(max_size=6)),
        as_json=st.booleans(),
    )
    def ask(question, k, as_json):
        args = ["ask", *(["--json"] if as_json else [])]
        args += [] if k is None else ["--k", k]
        result = runner(*args, "--", question, input="")
        sent.append(result.exit_code)
        assert result.exit_code in {0, 2}, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        if result.exit_code == 2:
            assert result.output.startswith(("error: ", "Usage: ")), result.output

    ask()
    assert len(sent) >= 200 and 0 in sent and 2 in sent
