"""Follow-up questions (issue 12): the resolver in both languages, POST /api/ask's "context"
with its checks, and `assistant ask --after`, on the bundled corpus and index."""

from __future__ import annotations

import json

import pytest

from assistant.rules import MAX_CONTEXT, MAX_QUESTION_CHARS
from assistant.search.followup import resolve_in_context

POLICE_FR = "Comment démarrer un partenariat avec la police?"
POLICE_EN = "How do I start a partnership with the police?"
SCHOOLS_FR = "Comment démarrer un partenariat avec les écoles?"


@pytest.mark.parametrize(
    ("question", "context", "expected"),
    [
        ("et avec les écoles?", [POLICE_FR], SCHOOLS_FR),
        ("what about schools?", [POLICE_EN], "How do I start a partnership with schools?"),
        ("and for schools?", [POLICE_EN], "How do I start a partnership with schools?"),
        ("and how do we evaluate it?", [POLICE_EN], "How do we evaluate a partnership with the police?"),
        ("comment l'évaluer?", [POLICE_FR], "Comment évaluer un partenariat avec la police?"),
        # A chain: each earlier follow-up is resolved before the next one reads it.
        ("comment l'évaluer?", [POLICE_FR, "et avec les écoles?"], "Comment évaluer un partenariat avec les écoles?"),
        ("and how do we evaluate it?", [POLICE_EN, "what about schools?"],
         "How do we evaluate a partnership with schools?"),
        ("et pour la police?", [POLICE_FR, "et avec les écoles?"], POLICE_FR),
    ],
)
def test_a_follow_up_becomes_a_full_question(question, context, expected):
    assert resolve_in_context(question, context) == expected


@pytest.mark.parametrize(
    ("question", "context"),
    [
        ("Quels sont les avantages des collaborations intersectorielles ?", [POLICE_FR]),
        ("What are the benefits of cross-sectoral collaboration?", [POLICE_EN]),
        ("Et comment garder nos partenaires motivés pendant plusieurs années de projet ?", [POLICE_FR]),
        ("How do I start a partnership with the police?", [POLICE_FR, "et avec les écoles?"]),
        ("et avec les écoles?", []),
        ("what about schools?", []),
        ("comment l'évaluer?", []),
    ],
)
def test_a_complete_question_or_one_without_context_is_left_as_it_is(question, context):
    assert resolve_in_context(question, context) == question


def ask(client, body: dict, **headers: str):
    return client.post("/api/ask", data=json.dumps(body), content_type="application/json", headers=headers)


def names_schools(passage: dict) -> bool:
    texts = [passage["text"], (passage.get("translation") or {}).get("text", "")]
    return any(word in text.lower() for text in texts for word in ("école", "school"))


def test_the_api_resolves_a_follow_up_and_finds_the_schools(client):
    response = ask(client, {"question": "et avec les écoles?", "context": [POLICE_FR], "k": 5})
    assert response.status_code == 200
    data = response.get_json()
    assert data["question"] == "et avec les écoles?"
    assert data["understood_as"] == SCHOOLS_FR
    assert any(names_schools(passage) for passage in data["passages"][:3])
    # Without the context the same words are searched on their own.
    alone = ask(client, {"question": "et avec les écoles?", "k": 5}).get_json()
    assert alone["understood_as"] == alone["question"] == "et avec les écoles?"


def test_a_complete_question_with_context_is_understood_as_itself(client):
    question = "Quels sont les avantages des collaborations intersectorielles ?"
    data = ask(client, {"question": question, "context": [POLICE_FR, "et avec les écoles?"]}).get_json()
    assert data["understood_as"] == question
    assert data["passages"] == ask(client, {"question": question}).get_json()["passages"]


@pytest.mark.parametrize(
    "context",
    [
        POLICE_FR,  # a text, not a list
        {"0": POLICE_FR},
        [POLICE_FR] * (MAX_CONTEXT + 1),
        [POLICE_FR, 42],
        [POLICE_FR, None],
        [""],
        ["   "],
        ["a" * (MAX_QUESTION_CHARS + 1)],
    ],
)
@pytest.mark.parametrize(
    ("question", "lang", "words"),
    [("et avec les écoles?", "fr", 'Le champ "context"'), ("what about schools?", "en", 'The "context"')],
)
def test_invalid_context_is_refused_in_the_questions_language(client, context, question, lang, words):
    response = ask(client, {"question": question, "context": context})
    assert response.status_code == 400
    data = response.get_json()
    assert data["error"] == "context_invalid" and data["lang"] == lang
    assert data["message"].startswith(words) and str(MAX_CONTEXT) in data["message"]


def test_the_most_context_allowed_is_accepted(client):
    context = [POLICE_FR, "et avec les écoles?", "et pour la police?", "et avec les écoles?", POLICE_FR]
    assert len(context) == MAX_CONTEXT
    data = ask(client, {"question": "et avec les écoles?", "context": context}).get_json()
    assert data["understood_as"] == SCHOOLS_FR


def test_cli_after_prints_what_was_understood(runner):
    result = runner("ask", "et avec les écoles?", "--after", POLICE_FR, "--k", "3")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"Compris comme : {SCHOOLS_FR}"
    result = runner("ask", "and how do we evaluate it?", "--after", POLICE_EN, "--after", "what about schools?")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "Understood as: How do we evaluate a partnership with schools?"


def test_cli_json_carries_understood_as(runner):
    result = runner("ask", "et avec les écoles?", "--after", POLICE_FR, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["question"] == "et avec les écoles?" and data["understood_as"] == SCHOOLS_FR
    assert any(names_schools(passage) for passage in data["passages"][:3])
    plain = json.loads(runner("ask", POLICE_FR, "--json").output)
    assert plain["understood_as"] == POLICE_FR
    assert "Compris comme" not in runner("ask", POLICE_FR).output


def test_cli_refuses_an_invalid_context(runner):
    too_many = [arg for _ in range(MAX_CONTEXT + 1) for arg in ("--after", POLICE_FR)]
    result = runner("ask", "et avec les écoles?", *too_many)
    assert result.exit_code == 2
    assert 'Le champ "context"' in result.output
