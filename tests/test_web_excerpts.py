"""POST /api/export (the excerpt basket's files) and the sector/document filters of POST /api/ask."""

from __future__ import annotations

import io
import json

import docx
import pytest


def post(client, path, body, **headers):
    return client.post(path, data=json.dumps(body), content_type="application/json", headers=headers)


@pytest.fixture
def collected(client) -> list[str]:
    """Return passage ids a trainer collected from a French and an English question."""
    ids: list[str] = []
    for question in ("Quels sont les bénéfices des collaborations ?", "How to work with the police?"):
        ids += [passage["id"] for passage in post(client, "/api/ask", {"question": question}).get_json()["passages"]]
    return list(dict.fromkeys(ids))[:5]


def test_export_docx_in_the_order_sent(client, collected):
    order = list(reversed(collected))
    response = post(client, "/api/export", {"passages": order, "format": "docx", "lang": "en"})
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="my-excerpts-')
    assert response.headers["Cache-Control"] == "no-store"
    document = docx.Document(io.BytesIO(response.data))
    texts = [paragraph.text for paragraph in document.paragraphs]
    assert texts[0] == "My excerpts"
    assert sum(text.startswith("Excerpt ") for text in texts) == len(order)
    assert "References" in texts
    links = [text for text in texts if text.startswith("Link: ")]
    assert [link.split("#p-")[1].split()[0] for link in links] == order
    # No public address is set: the passage's path in the assistant, never the request's host.
    assert all(link.startswith("Link: /documents/") and "localhost" not in link for link in links)


def test_export_markdown_in_french(client, collected):
    response = post(client, "/api/export", {"passages": collected, "format": "md", "lang": "fr"})
    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    assert "mes-extraits-" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("# Mes extraits")
    assert text.count("## Extrait ") == len(collected)
    assert "## Références" in text


def test_export_language_defaults_to_the_interface(client, collected):
    response = post(client, "/api/export", {"passages": collected[:1], "format": "md"},
                    **{"Accept-Language": "en-CA,en;q=0.9"})
    assert response.get_data(as_text=True).startswith("# My excerpts")


def test_export_names_passages_that_are_gone(client, collected):
    response = post(client, "/api/export", {"passages": [collected[0], "0123456789abcdef"], "lang": "fr"})
    assert response.status_code == 400
    data = response.get_json()
    assert data["error"] == "passages_unknown"
    assert data["missing"] == ["0123456789abcdef"]
    assert data["message"].startswith("1 extrait")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"passages": [], "format": "md"}, "passages_invalid"),
        ({"passages": "abc", "format": "md"}, "passages_invalid"),
        ({"passages": [1, 2], "format": "md"}, "passages_invalid"),
        ({"passages": ["x"] * 201, "format": "md"}, "passages_invalid"),
        ({"passages": ["x"], "format": "pdf"}, "export_format_invalid"),
        ({"passages": ["x"], "format": "md", "lang": "de"}, "export_lang_invalid"),
        (["x"], "not_object"),
    ],
)
def test_export_refuses_bad_requests(client, body, code):
    response = post(client, "/api/export", body)
    assert response.status_code == 400
    assert response.get_json()["error"] == code


def test_export_is_post_only(client):
    assert client.get("/api/export").status_code == 405


@pytest.mark.parametrize("sector", ["community", "institutional", "police", "school"])
def test_ask_filters_by_sector(client, sector):
    response = post(client, "/api/ask", {"question": "Comment collaborer ?", "k": 10, "sectors": [sector]})
    assert response.status_code == 200
    passages = response.get_json()["passages"]
    assert passages and all(sector in passage["sectors"] for passage in passages)


def test_ask_filters_by_document(client):
    unfiltered = post(client, "/api/ask", {"question": "benefits of collaboration", "k": 10}).get_json()
    assert len({passage["doc_id"] for passage in unfiltered["passages"]}) > 1
    body = {"question": "benefits of collaboration", "k": 10, "documents": ["aire-ouverte-partenariat-fr"]}
    passages = post(client, "/api/ask", body).get_json()["passages"]
    assert passages and {passage["doc_id"] for passage in passages} == {"aire-ouverte-partenariat-fr"}


def test_ask_refuses_unknown_filters(client):
    response = post(client, "/api/ask", {"question": "Comment collaborer ?", "sectors": ["hospital"]})
    assert response.status_code == 400 and response.get_json()["error"] == "sector_unknown"
    response = post(client, "/api/ask", {"question": "Comment collaborer ?", "documents": ["nope"]})
    assert response.status_code == 400 and response.get_json()["error"] == "document_unknown"


def test_chat_page_has_the_basket_and_filters(client):
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert 'id="basket"' in page and 'id="filters"' in page
    assert page.index("js/basket.js") < page.index("js/chat.js")
    for path in ("/static/js/basket.js", "/static/js/filters.js", "/static/basket.css"):
        assert client.get(path, buffered=True).status_code == 200  # buffered: the file is closed
