"""One question's HTTP round trip through a real waitress server on 127.0.0.1: what each request costs.

These tests count work that a request must do once only; the answers themselves are the
same (tests/test_web.py checks them against the CLI's).
"""

from __future__ import annotations

import http.client
import json
import time
from urllib.parse import urlsplit

import pytest

from assistant import lang
from assistant.web import i18n
from assistant.web.app import SECURITY_HEADERS, create_app
from tests.conftest import serving


@pytest.fixture(scope="module")
def address(searcher):
    with serving(create_app({"SEARCHER": searcher})) as url:
        yield urlsplit(url).netloc


def post(address: str, body: dict, headers: dict | None = None) -> tuple[http.client.HTTPResponse, dict]:
    connection = http.client.HTTPConnection(address, timeout=30)
    try:
        connection.request("POST", "/api/ask", body=json.dumps(body).encode(),
                           headers={"Content-Type": "application/json", **(headers or {})})
        response = connection.getresponse()
        return response, json.loads(response.read())
    finally:
        connection.close()


@pytest.mark.parametrize("question, expected", [
    ("How do I start a partnership with the police?", "en"),
    ("What makes communication between partners work well?", "en"),  # one that langdetect decides
    ("Comment démarrer un partenariat avec le service de police de mon secteur ?", "fr"),
])
def test_a_question_language_is_worked_out_once_per_request(address, monkeypatch, question, expected):
    # The API's checks and the search both ask for the question's language; only one works it out.
    looked_at = []
    real = lang._word_votes
    monkeypatch.setattr(lang, "_word_votes", lambda text: looked_at.append(text) or real(text))
    unique = f"{question} {time.time_ns()}"  # digits are no words: the same language, never seen before
    response, answer = post(address, {"question": unique, "k": 3})
    assert response.status == 200
    assert answer["lang"] == expected
    assert looked_at == [unique]


def test_the_language_of_a_text_without_words_is_the_callers_default():
    # Remembering a text's language must not remember the default given with it.
    assert lang.detect_language("??? 123", default="fr") == "fr"
    assert lang.detect_language("??? 123", default="en") == "en"


def test_the_browser_language_follows_each_header(address):
    # Remembered by header, never across different headers.
    assert i18n.browser_language("en-CA,en;q=0.9") == "en"
    assert i18n.browser_language("fr-CA,fr;q=0.9,en;q=0.8") == "fr"
    assert i18n.browser_language("de-DE") == "fr"
    assert i18n.browser_language("") == "fr"
    for header, expected in [("en-CA,en;q=0.9", "en"), ("fr-CA,fr;q=0.9", "fr")]:
        response, answer = post(address, {"question": " "}, {"Accept-Language": header})
        assert response.status == 400
        assert answer["lang"] == expected


def test_every_answer_carries_each_security_header_once(address):
    response, _ = post(address, {"question": "staff turnover", "k": 1})
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get_all(name) == [value]
    assert response.headers["Cache-Control"] == "no-store"


def test_a_view_keeps_the_security_header_it_set_itself(searcher):
    app = create_app({"SEARCHER": searcher})

    @app.get("/own-policy")
    def own_policy():
        return "x", 200, {"Content-Security-Policy": "default-src 'none'"}

    response = app.test_client().get("/own-policy")
    assert response.headers.getlist("Content-Security-Policy") == ["default-src 'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
