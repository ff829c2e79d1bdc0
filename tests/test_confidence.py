"""How strong an answer is (issue 12): the "confidence" contract in the API and `ask --json`,
the rule that a keyword question found whole in a best passage is never "low", and quality
floors on the calibration questions (tests/data/confidence/: tune.jsonl, and heldout.jsonl
and heldout2.jsonl that nothing was tuned on; heldout2 was written blind after the tuning).

The floors sit one question under what the search reaches today (measured with
`assistant eval FILE --json` and scripts/eval_api.py, which agree):

| set | answerable high / medium / low | no-answer high / medium / low |
| --- | --- | --- |
| heldout.jsonl (44 + 29) | 6 / 37 / 1 | 0 / 9 / 20 |
| heldout2.jsonl (40 + 40) | 2 / 37 / 1 | 0 / 7 / 33 |
| tune.jsonl (89 + 63) | 14 / 72 / 3 | 0 / 9 / 54 |
| shared/eval/dev.jsonl (36 + 4) | 3 / 31 / 2 | 0 / 0 / 4 |

No no-answer question may get "high", on any set.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.eval import CONFIDENCE_LEVELS, NO_ANSWER, evaluate, load_questions
from assistant.harness import SAMPLE_QUESTIONS
from assistant.index.keyword import lexical_text
from assistant.index.terms import stems, term_set, words

DATA = Path(__file__).parent / "data" / "confidence"
DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "dev.jsonl"
DAY_CAMP = "Comment inscrire un jeune à un camp de jour sportif cet été?"
NO_ANSWER_QUESTIONS = (
    DAY_CAMP,
    "Quel est le numéro de téléphone de la DPJ de Longueuil?",
    "What is the hourly wage of an intervention worker at a CISSS?",
    "Quelles sont les heures d'ouverture du CLSC le samedi?",
)

# (file, answerable count, most answerable "low", no-answer count, fewest no-answer "low")
FLOORS = [
    ("heldout.jsonl", 44, 2, 29, 19),
    ("heldout2.jsonl", 40, 2, 40, 32),
    ("tune.jsonl", 89, 4, 63, 52),
]


def ask(client, body: dict):
    return client.post("/api/ask", data=json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("question", [*SAMPLE_QUESTIONS, *NO_ANSWER_QUESTIONS, "police", "infolettre"])
def test_the_api_says_how_strong_the_answer_is(client, question):
    data = ask(client, {"question": question}).get_json()
    assert data["confidence"] in CONFIDENCE_LEVELS
    assert data["answerable"] == (data["confidence"] != "low")


def test_the_cli_json_says_how_strong_the_answer_is(runner):
    levels = set()
    for question in (SAMPLE_QUESTIONS[0], DAY_CAMP):
        result = runner("ask", question, "--json")
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        assert data["confidence"] in CONFIDENCE_LEVELS
        assert data["answerable"] == (data["confidence"] != "low")
        levels.add(data["confidence"])
    assert "low" in levels and len(levels) == 2


def test_the_day_camp_question_is_low_everywhere(client, runner):
    data = ask(client, {"question": DAY_CAMP}).get_json()
    assert data["confidence"] == "low" and data["answerable"] is False
    result = runner("ask", DAY_CAMP)
    assert "Les documents ne semblent pas répondre" in result.output
    assert "Correspondance" not in result.output


@pytest.mark.parametrize("question", NO_ANSWER_QUESTIONS)
def test_practical_questions_the_documents_do_not_answer_are_low(searcher, question):
    assert searcher.ask(question).confidence == "low"


def _keyword_questions(passages) -> list[str]:
    """Two or three words of five letters or more from each passage, as a worker might type them."""
    found = []
    for passage in passages:
        taken = [word for word in dict.fromkeys(words(passage.text)) if len(word) >= 5 and word.isalpha()]
        found += [" ".join(taken[:size]) for size in (2, 3) if len(taken) >= size]
    return list(dict.fromkeys(found))


def _holds_every_word(question_words, passage) -> bool:
    terms = term_set(lexical_text(passage), passage.lang)
    return all(set(stems([word], "en") + stems([word], "fr")) & terms for word in question_words)


def test_a_keyword_question_found_whole_in_a_best_passage_is_never_low(searcher, bundled_index):
    questions = _keyword_questions(bundled_index.passages)
    assert len(questions) > 150
    checked, low = 0, []
    for question in questions:
        answer = searcher.ask(question, k=5)
        question_words = words(answer.understood_as)
        if any(_holds_every_word(question_words, hit.passage) for hit in answer.hits[:3]):
            checked += 1
            if answer.confidence == "low":
                low.append((question, answer.signals))
    assert checked > 100  # the rule was put to the test, not skipped
    assert low == []


@pytest.mark.parametrize("keywords", ["services de police", "pharmacies communautaires", "staff turnover",
                                      "memorandum of understanding", "entente de collaboration"])
def test_keyword_questions_on_the_corpus_words_are_not_low(searcher, keywords):
    answer = searcher.ask(keywords)
    assert answer.confidence != "low", answer.signals


def _confidence(searcher, path: Path):
    report = evaluate(searcher.ask, load_questions(path), k=10)
    return report, report.confidence_table()


@pytest.mark.parametrize(("name", "answerable", "most_low", "no_answer", "fewest_low"), FLOORS)
def test_confidence_floors_on_the_calibration_questions(searcher, name, answerable, most_low, no_answer,
                                                         fewest_low):
    report, table = _confidence(searcher, DATA / name)
    assert sum(table["answerable"].values()) == answerable and sum(table[NO_ANSWER].values()) == no_answer
    assert table[NO_ANSWER]["high"] == 0
    assert table["answerable"]["low"] <= most_low
    assert table[NO_ANSWER]["low"] >= fewest_low
    # answerable is the same thing as "not low"
    assert all(outcome.said_answerable == (outcome.confidence != "low") for outcome in report.outcomes)


def test_confidence_floors_on_dev(searcher):
    if not DEV.is_file():
        pytest.skip(f"{DEV} is not beside the repository")
    _, table = _confidence(searcher, DEV)
    assert table[NO_ANSWER]["high"] == 0
    assert table["answerable"]["low"] <= 3
    assert table[NO_ANSWER]["low"] >= 3
