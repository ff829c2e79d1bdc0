"""The chat page and JSON API through the Flask test client: contract, errors, safety, languages."""

from __future__ import annotations

import json
import logging
import os
import re
import urllib.request

import pytest

from assistant.harness import start_server, stop_server
from assistant.records import Block, Document, Passage
from assistant.rules import MAX_QUESTION_CHARS
from assistant.typography import NBSP, NNBSP, french_typography
from assistant.web.document_view import layout_document
from assistant.web.i18n import strings
from assistant.web.serve import exposure_warning, is_loopback
from assistant.web.state import searcher_of

FRENCH_POLICE = "Comment démarrer un partenariat avec la police ?"
ENGLISH_POLICE = "How do I start a partnership with the police?"
PASSAGE_TYPES = {
    "id": str, "text": str, "doc_id": str, "title": str, "section": str, "lang": str, "score": float,
    "url": str, "highlights": list, "sectors": list,
}


def ask(client, body, **headers):
    """POST a JSON body to /api/ask."""
    return client.post("/api/ask", data=json.dumps(body), content_type="application/json", headers=headers)


@pytest.mark.parametrize("question", [FRENCH_POLICE, ENGLISH_POLICE])
def test_api_ask_gives_exactly_the_cli_contract(client, runner, question):
    response = ask(client, {"question": question, "k": 4})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    api = response.get_json()

    result = runner("ask", "--json", "--k", "4", question)
    assert result.exit_code == 0, result.output
    assert api == json.loads(result.stdout)

    assert set(api) == {"question", "lang", "answerable", "confidence", "understood_as", "passages"}
    assert api["lang"] == ("fr" if question == FRENCH_POLICE else "en")
    assert len(api["passages"]) == 4
    for passage in api["passages"]:
        for key, kind in PASSAGE_TYPES.items():
            assert isinstance(passage[key], kind), key
        assert passage["url"] == f"/documents/{passage['doc_id']}#p-{passage['id']}"
        ends = 0
        for start, end in passage["highlights"]:
            assert ends <= start < end <= len(passage["text"])
            ends = end
    assert any(passage["highlights"] for passage in api["passages"])


def test_filters_restrict_the_passages(client, bundled_index):
    doc_id = sorted(bundled_index.documents)[0]
    response = ask(client, {"question": ENGLISH_POLICE, "k": 3, "documents": [doc_id]})
    assert response.status_code == 200
    assert {passage["doc_id"] for passage in response.get_json()["passages"]} == {doc_id}
    response = ask(client, {"question": ENGLISH_POLICE, "sectors": ["police"]})
    assert all("police" in passage["sectors"] for passage in response.get_json()["passages"])


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"", "application/json", 400, "malformed_json"),
        (b"{", "application/json", 400, "malformed_json"),
        (b"\xff\xfe\x00binary", "application/json", 400, "not_utf8"),
        (b"[" * 50_000, "application/json", 400, "malformed_json"),
        (b'{"k": ' + b"9" * 5000 + b"}", "application/json", 400, "malformed_json"),
        (b'["question"]', "application/json", 400, "not_object"),
        (b'"just text"', "application/json", 400, "not_object"),
        (b"{}", "application/json", 400, "question_missing"),
        (b'{"question": 42}', "application/json", 400, "question_type"),
        (b'{"question": ["a"]}', "application/json", 400, "question_type"),
        (b'{"question": null}', "application/json", 400, "question_type"),
        (b'{"question": ""}', "application/json", 400, "question_empty"),
        (b'{"question": " \\n\\t\\u0000 "}', "application/json", 400, "question_empty"),
        (b'{"question": "\\ud800"}', "application/json", 400, "question_invalid"),
        (b'{"question": "police", "k": 0}', "application/json", 400, "k_invalid"),
        (b'{"question": "police", "k": -1}', "application/json", 400, "k_invalid"),
        (b'{"question": "police", "k": 1000000000}', "application/json", 400, "k_invalid"),
        (b'{"question": "police", "k": "abc"}', "application/json", 400, "k_invalid"),
        (b'{"question": "police", "k": "5"}', "application/json", 400, "k_invalid"),
        (b'{"question": "police", "k": 2.5}', "application/json", 400, "k_invalid"),
        (b'{"question": "police", "k": true}', "application/json", 400, "k_invalid"),
        (b'{"question": "police", "k": NaN}', "application/json", 400, "k_invalid"),
        (b'{"question": "police", "sectors": "police"}', "application/json", 400, "list_invalid"),
        (b'{"question": "police", "sectors": ["moon"]}', "application/json", 400, "sector_unknown"),
        (b'{"question": "police", "documents": [1]}', "application/json", 400, "list_invalid"),
        (b'{"question": "police", "documents": ["../../etc/passwd"]}', "application/json", 400, "document_unknown"),
        (b'{"question": "police"}', "text/plain", 415, "not_json"),
        (b"question=police", "application/x-www-form-urlencoded", 415, "not_json"),
        (b'{"question": "' + b"a" * 70_000 + b'"}', "application/json", 413, "too_large"),
    ],
)
def test_bad_requests_get_a_json_4xx(client, body, content_type, status, code):
    response = client.post("/api/ask", data=body, content_type=content_type)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    data = response.get_json()
    assert data["error"] == code and data["status"] == status
    assert data["message"] and "Traceback" not in data["message"]


def test_messages_speak_the_question_language_and_name_the_limit(client):
    long_french = "Comment travailler avec la police et les écoles du quartier ? " * 40
    data = ask(client, {"question": long_french}).get_json()
    assert data["error"] == "question_too_long" and data["lang"] == "fr"
    assert str(MAX_QUESTION_CHARS) in data["message"] and "caractères" in data["message"]
    data = ask(client, {"question": "How do we work with the police?", "k": 0}).get_json()
    assert data["lang"] == "en" and "1 to 50" in data["message"]
    data = ask(client, {"question": "Comment travailler avec la police ?", "k": "abc"}).get_json()
    assert data["lang"] == "fr" and "1 à 50" in data["message"]
    # Without a usable question, the browser's language is used.
    data = ask(client, {"question": ""}, **{"Accept-Language": "en-CA,en;q=0.8"}).get_json()
    assert data["lang"] == "en" and data["message"].startswith("The question is empty")


def test_a_question_at_the_limit_is_answered(client):
    question = ("partenariat police " * 200)[:MAX_QUESTION_CHARS]
    response = ask(client, {"question": question, "k": 1})
    assert response.status_code == 200 and len(response.get_json()["passages"]) == 1


@pytest.mark.parametrize(
    "question",
    [
        "¿Cómo empiezo una colaboración con la policía?", "如何与警察建立合作关系？", "🤝🚓🙂",
        "كيف أبدأ شراكة مع الشرطة؟", "x" * 1500, "<script>alert(1)</script>",
    ],
)
def test_odd_questions_get_a_sensible_answer(client, question):
    response = ask(client, {"question": question, "k": 3})
    assert response.status_code == 200
    data = response.get_json()
    assert data["question"] == question and data["lang"] in {"fr", "en"} and isinstance(data["answerable"], bool)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/ask", 405),
        ("PUT", "/api/ask", 405),
        ("GET", "/api/nothing-here", 404),
        ("GET", "/api/documents/not-a-document", 404),
        ("GET", "/api/documents/..%2F..%2Fetc%2Fpasswd", 404),
        ("GET", "/api/documents/../../etc/passwd", 404),
        ("GET", "/api/passages/not-a-passage", 404),
        ("POST", "/api/documents", 405),
    ],
)
def test_api_errors_are_json(client, method, path, status):
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert response.get_json()["status"] == status
    assert b"root:" not in response.data


@pytest.mark.parametrize(
    "path", ["/documents/not-a-document", "/documents/../../etc/passwd", "/documents/..%2F..%2Fetc%2Fpasswd", "/nope"]
)
def test_unknown_pages_get_the_sites_own_404(client, path):
    response = client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert b"Page not found" in response.data and b"root:" not in response.data
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_an_unexpected_failure_is_a_json_500_that_logs_no_question(app, monkeypatch, caplog):
    searcher = searcher_of(app)

    def broken(question, k=5, filters=None, context=()):
        raise RuntimeError(f"could not answer {question!r}")

    monkeypatch.setattr(searcher, "ask", broken)
    with caplog.at_level(logging.DEBUG):
        response = ask(app.test_client(), {"question": "confidential detail about Alex, 15"})
    assert response.status_code == 500
    data = response.get_json()
    assert data["error"] == "internal" and "RuntimeError" not in data["message"]
    assert "RuntimeError" in caplog.text
    assert "Alex" not in caplog.text


def test_no_question_text_is_logged(client, caplog):
    with caplog.at_level(logging.DEBUG):
        assert ask(client, {"question": "Jordan fugue du foyer, que faire avec la police ?"}).status_code == 200
        assert ask(client, {"question": "Jordan " * 3000}).status_code == 400
    assert "Jordan" not in caplog.text


def test_documents_and_passages(client, bundled_index):
    listed = client.get("/api/documents").get_json()["documents"]
    assert {document["id"] for document in listed} == set(bundled_index.documents)
    doc_id = listed[0]["id"]
    document = client.get(f"/api/documents/{doc_id}").get_json()
    assert document["id"] == doc_id and document["text"] and document["blocks"] and document["passages"]
    passage_id = document["passages"][0]["id"]
    passage = client.get(f"/api/passages/{passage_id}").get_json()
    assert passage["id"] == passage_id and passage["doc_id"] == doc_id
    assert passage["text"] == document["text"][document["passages"][0]["start"] : document["passages"][0]["end"]]
    paired = next(p for p in bundled_index.passages if p.translation_id)
    assert client.get(f"/api/passages/{paired.passage_id}").get_json()["translation"]["id"] == paired.translation_id


def test_document_view_anchors_every_passage(client, bundled_index):
    doc_id = next(iter(bundled_index.documents))
    response = client.get(f"/documents/{doc_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for passage in (p for p in bundled_index.passages if p.doc_id == doc_id):
        assert f'id="p-{passage.passage_id}"' in html
    assert "<script>" not in html and 'src="/static/js/document.js"' in html


def test_layout_cuts_a_block_where_passages_meet():
    text = "Title\n\nFirst sentence here. Second sentence there."
    blocks = (Block("heading", "Title", 0, 5, 1), Block("paragraph", text[7:], 7, len(text)))
    document = Document("d", "Title", "en", text, blocks, "d.txt")
    passages = [
        Passage("a", "d", text[7:28], (), "en", 7, 28, 0),
        Passage("b", "d", text[29:], (), "en", 29, len(text), 1),
    ]
    heading, paragraph = layout_document(document, passages)
    assert heading.tag == "h2" and heading.segments[0].passage_id is None
    assert [(segment.passage_id, segment.anchor) for segment in paragraph.segments] == [
        ("a", True), (None, False), ("b", True)
    ]
    assert "".join(segment.text for segment in paragraph.segments) == text[7:]


@pytest.mark.parametrize("path", ["/", "/documents/maillage-benefits-en", "/api/documents", "/static/app.css", "/nope"])
def test_security_headers_everywhere(client, path):
    response = client.get(path, buffered=True)  # buffered: the response (a static file) is closed
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in {"no-referrer", "same-origin"}


def test_page_has_no_inline_script_and_nothing_from_elsewhere(client):
    html = client.get("/").get_data(as_text=True)
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert 'src="/static/' in tag or 'type="application/json"' in tag
    assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", html)
    assert re.search(r"<label for=\"question\">", html) and 'aria-live="polite"' in html


def test_interface_language_follows_browser_then_choice(client):
    english = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in english and "Your question" in english
    french = client.get("/", headers={"Accept-Language": "fr-CA,fr;q=0.9"}).get_data(as_text=True)
    assert '<html lang="fr">' in french and "Votre question" in french
    switched = client.get("/language/en?next=/documents/maillage-benefits-en")
    assert switched.status_code == 303 and switched.headers["Location"].endswith("/documents/maillage-benefits-en")
    assert "lang=en" in switched.headers["Set-Cookie"]
    remembered = client.get("/", headers={"Accept-Language": "fr-CA"}).get_data(as_text=True)
    assert '<html lang="en">' in remembered


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_language_switch_only_goes_back_to_this_site(client, target):
    response = client.get("/language/fr", query_string={"next": target})
    assert response.status_code == 303 and response.headers["Location"] in {"/", "http://localhost/"}


def test_french_typography():
    assert french_typography("Pourquoi ? Voici : « oui » ; c'est ça!") == (
        f"Pourquoi{NNBSP}? Voici{NBSP}: «{NBSP}oui{NBSP}»{NNBSP}; c’est ça{NNBSP}!"
    )
    for text in strings("fr").values():
        assert not re.search(r" [:;?!»]|« ", text), text
    assert "'" not in "".join(strings("fr").values())


def test_scripts_and_styles_are_served_with_their_types(client):
    assert client.get("/static/js/chat.js", buffered=True).mimetype in {"text/javascript", "application/javascript"}
    assert client.get("/static/app.css", buffered=True).mimetype == "text/css"


def test_loopback_and_the_warning_for_anything_else():
    for host in ("127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3"):
        assert is_loopback(host) and exposure_warning(host) is None
    for host in ("0.0.0.0", "192.168.1.20", "::", "my-laptop.local"):
        assert not is_loopback(host)
        assert "WARNING" in exposure_warning(host) and host in exposure_warning(host)


@pytest.mark.slow
def test_serve_builds_the_index_then_answers(corpus_copy, tmp_path):
    home = corpus_copy.parent
    environment = {**os.environ, "ASSISTANT_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    lines: list[str] = []
    server, url = start_server(env=environment, log=lines, timeout=120)
    try:
        assert (home / "index" / "manifest.json").is_file()
        request = urllib.request.Request(
            url + "/api/ask", data=json.dumps({"question": FRENCH_POLICE, "k": 2}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            data = json.loads(response.read())
        assert data["lang"] == "fr" and len(data["passages"]) == 2
    finally:
        stop_server(server, timeout=30)
    errors = "".join(lines)
    assert FRENCH_POLICE not in errors and "partenariat" not in errors


def test_documents_page_lists_every_document(client, bundled_index):
    html = client.get("/documents", headers={"Accept-Language": "en"}).get_data(as_text=True)
    for doc_id in bundled_index.documents:
        assert f'href="/documents/{doc_id}"' in html
