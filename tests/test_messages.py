"""Every message of every catalogue, in every language, is said with its values and never raises.

A message that shows a JSON object ({"question": …}) was read by str.format as a field and
turned an English refusal into a 500; messages are now filled by assistant.placeholders.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant import cli, export, messages
from assistant.placeholders import fill, placeholders
from assistant.web import i18n

REPO = Path(__file__).resolve().parent.parent

# Every catalogue: its tables by language, and the values each entry declares.
CATALOGUES = {
    "messages": (messages._MESSAGES, messages.FIELDS),
    "interface": (i18n._STRINGS, i18n.STRING_FIELDS),
    "export": (
        {lang: {key: text for key, text in table.items() if isinstance(text, str)} for lang, table in
         export._LABELS.items()},
        {"exported": frozenset({"date", "count"})},
    ),
    "cli confidence": (cli._CONFIDENCE, {}),
}
# Values that would break a formatter that reads them again, or that reads more than {name}.
HOSTILE = ['{"question": "x"}', "{limit}", "{0}", "%s %(x)s", "}{", "{", "\\", "$x ${y}"]
ENTRIES = [
    (catalogue, lang, key)
    for catalogue, (tables, _) in CATALOGUES.items()
    for lang, table in tables.items()
    for key in table
]


@pytest.mark.parametrize("catalogue", list(CATALOGUES))
def test_every_language_has_the_same_entries(catalogue):
    tables, fields = CATALOGUES[catalogue]
    assert set(tables) == {"fr", "en"}
    assert set(tables["fr"]) == set(tables["en"])
    assert set(fields) <= set(tables["en"]), "a declared entry that does not exist"


@pytest.mark.parametrize(("catalogue", "lang", "key"), ENTRIES)
def test_each_entry_names_exactly_its_declared_fields(catalogue, lang, key):
    tables, fields = CATALOGUES[catalogue]
    assert placeholders(tables[lang][key]) == fields.get(key, frozenset())


@pytest.mark.parametrize(("catalogue", "lang", "key"), ENTRIES)
@pytest.mark.parametrize("value", HOSTILE)
def test_each_entry_fills_with_any_value_and_never_raises(catalogue, lang, key, value):
    tables, fields = CATALOGUES[catalogue]
    text = tables[lang][key]
    declared = fields.get(key, frozenset())
    filled = fill(text, **{name: f"<{name}:{value}>" for name in declared})
    for name in declared:  # each field said once per mention, with the value as given
        assert filled.count(f"<{name}:{value}>") == text.count("{" + name + "}")
    # Everything but the fields is said as written, braces included.
    assert re.sub(r"<\w+:" + re.escape(value) + ">", "", filled) == re.sub(
        "|".join(re.escape("{" + name + "}") for name in declared) or "(?!)", "", text)
    fill(text)  # without values: said as written, not an error


@pytest.mark.parametrize(("lang", "code"), [(lang, code) for lang in ("fr", "en", "de", "") for code in
                                            messages._MESSAGES["en"]])
def test_every_message_is_said_in_every_language_with_its_values(lang, code):
    values = {name: "{limit}" for name in messages.FIELDS.get(code, ())}
    said = messages.message(code, lang, **values)
    assert said and not placeholders(said) - {"limit"}
    assert messages.message(code, lang) and messages.message(code, lang, unexpected="{x}")


def test_the_json_example_of_not_object_is_said_as_written():
    assert '{"question": "…", "k": 5}' in messages.message("not_object", "en")


def test_fill_leaves_other_braces_and_values_alone():
    assert fill('{"a": 1} {n} {n} {m} {0} {}', n="{m}") == '{"a": 1} {m} {m} {m} {0} {}'


def test_no_catalogue_text_goes_through_str_format():
    """str.format is what misread the messages: none of the code or templates uses it."""
    sources = [*(REPO / "assistant").rglob("*.py"), *(REPO / "web" / "templates").rglob("*.html")]
    offenders = [str(path) for path in sources if re.search(r"\.format\(|\.format_map\(", path.read_text())]
    assert not offenders


# --- the 500s of issue 14, item 2 -----------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr", "en-CA,en;q=0.9", "fr-CA"])
@pytest.mark.parametrize("body", [b"null", b"[]", b"0", b'"x"', b"true", b"[{}]", b"1.5"])
def test_a_json_body_that_is_not_an_object_is_refused_in_both_languages(client, language, body):
    response = client.post("/api/ask", data=body, content_type="application/json",
                           headers={"Accept-Language": language})
    assert response.status_code == 400, response.data[:300]
    data = response.get_json()
    assert data["error"] == "not_object" and data["lang"] == language[:2]
    if language.startswith("en"):
        assert '{"question": "…", "k": 5}' in data["message"]


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("body", [b"[]", b"null", b"0", b'"x"'])
def test_an_export_body_that_is_not_an_object_is_refused_in_both_languages(client, language, body):
    response = client.post("/api/export", data=body, content_type="application/json",
                           headers={"Accept-Language": language})
    assert response.status_code == 400, response.data[:300]
    assert response.get_json()["error"] == "not_object" and response.get_json()["lang"] == language


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_language_cookie_also_gets_a_400(client, language):
    client.set_cookie("lang", language)
    response = client.post("/api/ask", data=b"[]", content_type="application/json")
    assert response.status_code == 400 and response.get_json()["lang"] == language


def test_an_unknown_document_is_counted_not_echoed(client):
    response = client.post("/api/ask", json={"question": "police", "documents": ["Marie Tremblay dossier"]},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 400
    data = response.get_json()
    assert data["error"] == "document_unknown" and "Tremblay" not in data["message"] and "1 unknown" in data["message"]


def test_the_document_page_fills_its_other_language_link(client, bundled_index):
    doc_id = next(doc.translation_of for doc in bundled_index.documents.values() if doc.translation_of)
    page = client.get(f"/documents/{doc_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<dt>Version in French</dt>" in page or "<dt>Version in English</dt>" in page


@pytest.mark.parametrize("body", [b"null", b"[]", b"0", b'"x"'])
def test_a_real_server_refuses_a_non_object_body_in_english(server_url, body):
    """The issue's own request: curl -H 'Accept-Language: en' --data null …/api/ask."""
    import urllib.error
    import urllib.request

    for path in ("/api/ask", "/api/export"):
        request = urllib.request.Request(server_url + path, data=body, method="POST", headers={
            "Content-Type": "application/json", "Accept-Language": "en"})
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(request, timeout=60)
        with raised.value as response:
            assert response.code == 400
            assert json.loads(response.read())["error"] == "not_object"
