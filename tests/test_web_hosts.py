"""DNS rebinding: requests naming another host are refused, and no link is built from Host (issue 14)."""

from __future__ import annotations

import http.client
import json

import pytest

from assistant.harness import start_server, stop_server
from assistant.web import create_app
from assistant.web.hosts import allowed_hosts, host_name
from tests.reliability_support import cli_env

ASK = json.dumps({"question": "Comment collaborer avec la police ?"})


def get(client, path: str, host: str, lang: str = "fr"):
    return client.get(path, headers={"Host": host, "Accept-Language": lang})


@pytest.mark.parametrize("path", ["/api/documents", "/api/stats", "/api/passages/x", "/nowhere"])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_rebound_name_is_refused_on_every_route_in_the_request_language(client, path, lang):
    response = get(client, path, "rebind.example", lang)
    assert response.status_code == 400
    if path.startswith("/api/"):
        body = response.get_json()
        assert body["error"] == "host_not_allowed" and body["lang"] == lang
        assert ("ne répond pas" if lang == "fr" else "does not answer") in body["message"]
    else:
        assert ("ne répond pas" if lang == "fr" else "does not answer") in response.get_data(as_text=True)


def test_a_rebound_name_cannot_ask_or_export(client):
    headers = {"Host": "rebind.example:8000", "Content-Type": "application/json", "Origin": "http://rebind.example:8000"}
    assert client.post("/api/ask", data=ASK, headers=headers).status_code == 400
    exported = client.post("/api/export", data=json.dumps({"passages": ["x"]}), headers=headers)
    assert exported.status_code == 400 and exported.get_json()["error"] == "host_not_allowed"


@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "LOCALHOST.", "127.0.0.1:53124", "[::1]:8000",
                                  "[::1]"])
def test_loopback_names_with_any_port_are_answered(client, host):
    assert get(client, "/api/documents", host).status_code == 200


def test_a_deployment_adds_names_and_the_listen_address(searcher):
    app = create_app({"SEARCHER": searcher, "ALLOWED_HOSTS": allowed_hosts("192.0.2.7", ["assistant.example.org"])})
    client = app.test_client()
    for host in ("assistant.example.org", "Assistant.Example.org:443", "192.0.2.7:8000", "localhost:8000"):
        assert get(client, "/api/documents", host).status_code == 200, host
    for host in ("example.org", "assistant.example.org.evil", "192.0.2.8", "[::2]:8000", ""):
        assert get(client, "/api/documents", host).status_code == 400, host


def test_host_names_lose_their_port_brackets_case_and_final_dot():
    assert host_name("[::1]:8000") == "::1"
    assert host_name("::1") == "::1"
    assert host_name("Example.ORG.:80") == "example.org"
    assert host_name("localhost:") == "localhost"


def test_no_page_answer_export_or_redirect_links_to_the_host_of_the_request(searcher):
    app = create_app({"SEARCHER": searcher, "ALLOWED_HOSTS": allowed_hosts(None, ["assistant.lan"])})
    client = app.test_client()
    headers = {"Host": "assistant.lan:8000", "Content-Type": "application/json"}
    answer = client.post("/api/ask", data=ASK, headers=headers).get_json()
    ids = [passage["id"] for passage in answer["passages"]]
    response = client.post("/api/export", data=json.dumps({"passages": ids, "format": "md"}), headers=headers)
    assert response.status_code == 200
    assert "assistant.lan" not in response.get_data(as_text=True)
    for path in ("/", "/documents", answer["passages"][0]["url"], "/api/documents", "/language/en?next=/documents"):
        page = client.get(path, headers={"Host": "assistant.lan:8000"})
        assert page.status_code in (200, 303), path
        assert "assistant.lan" not in page.get_data(as_text=True) + str(page.headers), path


def test_serve_answers_only_to_its_names_and_the_allowed_ones(tmp_path, bundled_index_dir):
    home = tmp_path / "home"
    home.mkdir()
    env = cli_env(home, ASSISTANT_INDEX=str(bundled_index_dir), ASSISTANT_CORPUS=str(tmp_path / "none"))
    server, base = start_server(env=env, cwd=home, serve_args=["--host", "127.0.0.1", "--allowed-host", "assistant.lan",
                                                              "--threads", "2", "--connection-limit", "50"])
    try:
        port = int(base.rsplit(":", 1)[1].strip("/"))
        statuses = {}
        for host in ("127.0.0.1", "localhost", "assistant.lan", "rebind.example"):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/api/documents", headers={"Host": f"{host}:{port}"})
            statuses[host] = connection.getresponse().status
            connection.close()
    finally:
        stop_server(server)
    assert statuses == {"127.0.0.1": 200, "localhost": 200, "assistant.lan": 200, "rebind.example": 400}


def test_serve_on_an_impossible_address_says_so_without_a_traceback(runner):
    result = runner("serve", "--host", "999.1.1.1", "--port", "0")
    assert result.exit_code == 2
    assert "--host is not an address this computer can listen on" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
