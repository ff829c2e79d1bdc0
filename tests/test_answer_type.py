"""Answer types (issue 12): what kind of fact a question asks for, in French and English, and
whether a passage states one; clauses that merely start like a question are not fact questions."""

from __future__ import annotations

import pytest

from assistant.search.answer_type import ANSWER_TYPES, asked_type, holds

KINDS = {kind.name: kind for kind in ANSWER_TYPES}

# (type, a French question, an English question, a sentence stating such a fact, one that does not)
CASES = [
    ("phone", "Quel est le numéro de téléphone de la DPJ de Montréal?", "What is the phone number of the YWCA?",
     "Appelez le 514 555-1234 pour joindre l'équipe.", "Appelez l'équipe de la DPJ pour en parler."),
    ("email or web address", "Quelle est l'adresse courriel de la coordonnatrice?",
     "What is the email of the Alliance project coordinator?",
     "Écrivez à info@exemple.org ou visitez https://exemple.org.", "Écrivez à la coordonnatrice du projet."),
    ("amount", "Quel est le salaire d'une intervenante en maison d'hébergement?",
     "How much does the Cré-Actions workshop cost?",
     "Le projet a reçu 25 000 $ du ministère.", "Le projet a reçu un soutien du ministère."),
    ("opening hours", "Quelles sont les heures d'ouverture d'Aire ouverte?",
     "What are the opening hours of the drop-in centre?",
     "Ouvert du lundi au jeudi, de 9 h à 17 h.", "Ouvert à tous les jeunes de la région."),
    ("age", "À partir de quel âge un jeune peut-il consulter seul?", "What age do you have to be to join the workshop?",
     "L'atelier s'adresse aux filles de 12 à 17 ans.", "L'atelier s'adresse aux filles et aux jeunes femmes."),
    ("date or deadline", "Quelle est la date limite pour déposer une demande de subvention?",
     "What is the deadline to apply for the training grant?",
     "Les demandes sont reçues jusqu'au 15 mars, dans un délai de 30 jours.",
     "Les demandes sont reçues par le comité de sélection."),
    ("street address", "Quelle est l'adresse du bureau de la Maison Tangente?",
     "What is the address of the shelter in Longueuil?",
     "Le bureau est au 1234, rue Saint-Denis, H2X 3K4.", "Le bureau est situé au centre-ville."),
    ("count", "Combien de lits compte la maison d'hébergement?", "How many beds does the youth shelter have?",
     "La maison compte douze lits.", "La maison accueille des jeunes en fugue."),
]


@pytest.mark.parametrize(("name", "french", "english", "stated", "not_stated"), CASES)
def test_each_answer_type_is_asked_and_stated_in_both_languages(name, french, english, stated, not_stated):
    assert asked_type(french) is KINDS[name], french
    assert asked_type(english) is KINDS[name], english
    assert holds(KINDS[name], stated)
    assert not holds(KINDS[name], not_stated)


def test_every_type_is_covered_here():
    assert {case[0] for case in CASES} == set(KINDS)


@pytest.mark.parametrize(
    "question",
    [
        # Clauses: "when" and « quand » joining two parts of a question, not asking for a date.
        "Que faire quand un partenaire ne respecte pas ses engagements?",
        "Comment réagir quand un partenaire veut tout décider seul?",
        "When a kid turns 18, how do we keep helping her with the adult services?",
        "When partners disagree, what should we do?",
        # Costs to share, not an amount asked for.
        "Comment partager les coûts d'une formation ou d'un local avec nos partenaires ?",
        "partager les coûts",
        "sharing costs with partners",
        # Advice questions without any fact type.
        "Comment démarrer un partenariat avec la police?",
        "What are the benefits of cross-sectoral collaboration?",
        "Quels obstacles freinent la collaboration entre organismes ?",
        "How long-lasting should a partnership be?",
    ],
)
def test_clauses_and_advice_questions_ask_for_no_fact(question):
    assert asked_type(question) is None


def test_the_wage_department_is_not_a_wage():
    """WAGE (Women and Gender Equality Canada) funds the Alliance project: naming it asks for no amount."""
    assert asked_type("Is the Alliance project funded by WAGE?") is None
    assert asked_type("What is the hourly wage of an intervention worker?") is KINDS["amount"]
    assert asked_type("Wages of intervention workers") is KINDS["amount"]


def test_a_question_naming_wage_is_answered(searcher):
    answer = searcher.ask("Is the Alliance project funded by WAGE?", k=5)
    assert "fact_missing" not in answer.signals and answer.confidence != "low"
    assert any("WAGE" in hit.passage.text for hit in answer.hits[:3])


def test_a_fact_question_is_low_when_no_passage_states_the_fact(searcher):
    """The documents talk about the DPJ but give no phone number: no passage can answer."""
    answer = searcher.ask("Quel est le numéro de téléphone de la DPJ?", k=5)
    assert answer.signals.get("fact_missing") == 1.0
    assert answer.confidence == "low" and not answer.answerable


def test_a_clause_question_is_not_judged_as_a_fact_question(searcher):
    answer = searcher.ask("Comment partager les coûts d'une formation ou d'un local avec nos partenaires ?", k=5)
    assert "fact_missing" not in answer.signals
    assert answer.confidence != "low"
