"""POST /api/ask answered without Flask's request machinery: the same answers, refusals and headers."""

from __future__ import annotations

import json

import pytest
from flask import appcontext_pushed

from assistant.web.app import create_app
from assistant.web.fast_ask import SWITCH
from tests.conftest import serving


@pytest.fixture(scope="module")
def apps(searcher):
    """The application twice: answering questions itself, and through Flask only."""
    return create_app({"SEARCHER": searcher}), create_app({"SEARCHER": searcher, SWITCH: False})


def _document(searcher) -> str:
    return sorted(searcher.index.documents)[0]


def _requests(searcher) -> list[tuple[object, dict]]:
    """(body, headers): plain questions, their options, and everything the API refuses."""
    json_type = {"Content-Type": "application/json"}
    return [
        ({"question": "How do I start a partnership with the police?", "k": 5}, json_type),
        ({"question": "Comment démarrer un partenariat avec la police ?"}, json_type),
        ({"question": "staff turnover", "k": 2, "sectors": ["police"]}, json_type),
        ({"question": "roulement de personnel", "documents": [_document(searcher)]}, json_type),
        ({"question": "et avec les écoles ?", "context": ["Comment collaborer avec la police ?"]}, json_type),
        ({"question": "what about schools?"}, {**json_type, "Accept-Language": "en-CA,en;q=0.9"}),
        ({"question": "what about schools?"}, {**json_type, "Cookie": "lang=en; other=1"}),
        ({"question": "what about schools?"}, {"Content-Type": "application/json; charset=utf-8"}),
        ({"question": "x" * 5000}, json_type),  # too long
        ({"question": " "}, {**json_type, "Accept-Language": "en"}),  # empty
        ({"question": "police", "k": 0}, json_type),
        ({"question": "police", "documents": ["no-such-document"]}, json_type),
        ({"question": "police", "sectors": ["space"]}, json_type),
        ({"k": 3}, json_type),
        (["police"], json_type),
        (b"{not json", json_type),
        (b"\xff\xfe", json_type),
        ({"question": "police"}, {"Content-Type": "text/plain"}),
        ({"question": "police"}, {**json_type, "Host": "rebind.example"}),
        ({"question": "police"}, {"Content-Type": "application/vnd.api+json"}),
    ]


def _ask(app, body: object, headers: dict):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return app.test_client().post("/api/ask", data=data, headers=headers)


def test_every_answer_and_refusal_is_flasks_own_byte_for_byte(apps, searcher):
    direct, through_flask = apps
    for body, headers in _requests(searcher):
        mine, flasks = _ask(direct, body, headers), _ask(through_flask, body, headers)
        assert (mine.status_code, mine.headers.to_wsgi_list(), mine.data) == (
            flasks.status_code, flasks.headers.to_wsgi_list(), flasks.data), (body, headers)
    assert _ask(direct, *_requests(searcher)[0]).status_code == 200


def test_a_plain_question_skips_flask_and_a_refusal_goes_through_it(apps):
    direct, through_flask = apps
    pushed = []

    def count(sender, **extra):
        pushed.append(sender)

    headers = {"Content-Type": "application/json"}
    with appcontext_pushed.connected_to(count):
        assert _ask(direct, {"question": "staff turnover"}, headers).status_code == 200
        assert pushed == []
        assert _ask(through_flask, {"question": "staff turnover"}, headers).status_code == 200
        assert pushed == [through_flask]
        assert _ask(direct, {"question": " "}, headers).status_code == 400  # refused: Flask answers
        assert pushed == [through_flask, direct]


def test_a_hook_added_later_sends_questions_through_flask(searcher):
    app = create_app({"SEARCHER": searcher})
    seen = []
    app.before_request(lambda: seen.append("hook") and None)
    assert _ask(app, {"question": "staff turnover"}, {"Content-Type": "application/json"}).status_code == 200
    assert seen == ["hook"]


def test_a_real_server_answers_as_the_test_client_does(apps, searcher):
    import http.client
    from urllib.parse import urlsplit

    direct, _ = apps
    body = {"question": "How do I start a partnership with the police?", "k": 3}
    expected = _ask(direct, body, {"Content-Type": "application/json"})
    with serving(direct) as url:
        connection = http.client.HTTPConnection(urlsplit(url).netloc, timeout=30)
        connection.request("POST", "/api/ask", body=json.dumps(body).encode(),
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        assert response.status == 200 and response.read() == expected.data
        assert response.getheader("Cache-Control") == "no-store"
        assert response.getheader("Content-Security-Policy") == expected.headers["Content-Security-Policy"]
        connection.close()
