"""The conversation in a real Chromium: each answer comes into view under its question, typing
never scrolls, Back and Forward move between answers, long and over-long questions, the match
levels and "understood as", related reading, undo, and the document view's odds and ends."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from .conftest import needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]

POLICE = "Comment démarrer un partenariat avec la police ?"
SCHOOLS = "et avec les écoles ?"
OBSTACLES = "Quels sont les obstacles à la collaboration ?"


def open_page(browser, server_url, lang="fr", width=1366, **options):
    context = browser.new_context(
        locale="fr-CA" if lang == "fr" else "en-CA", viewport={"width": width, "height": 844 if width < 500 else 900},
        **options,
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server_url + "/")
    page.locator("body[data-ready=chat]").wait_for()
    return context, page, errors


def ask(page, question: str):
    """Ask with the keyboard and return the new turn once its answer (or error) is shown."""
    count = page.locator(".turn").count()
    page.fill("#question", question)
    page.keyboard.press("Enter")
    turn = page.locator(".turn").nth(count)
    turn.locator(".answer, .error").first.wait_for(timeout=30_000)
    return turn


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= height


def focused_turn(page) -> int:
    """Return the position of the turn whose question heading has the keyboard, or -1."""
    return page.evaluate(
        """() => {
          const heading = document.activeElement.closest('.asked');
          return heading ? [...document.querySelectorAll('.turn')].indexOf(heading.closest('.turn')) : -1;
        }"""
    )


@pytest.mark.parametrize("width", [390, 1366])
def test_three_questions_back_and_forward(browser, server_url, width):
    context, page, errors = open_page(browser, server_url, width=width)
    sent = []
    page.on("request", lambda request: request.url.endswith("/api/ask") and sent.append(request.post_data_json))
    try:
        for question in (POLICE, SCHOOLS, OBSTACLES):
            turn = ask(page, question)
            # The new answer is in view under its question, the keyboard on its heading.
            assert focused_turn(page) == page.locator(".turn").count() - 1
            assert in_view(page, turn.locator(".asked"))
            assert in_view(page, page.locator("#question")), "the question box is out of sight"
            assert page.url == server_url + "/", "the question went into the address"
        assert page.evaluate("window.scrollY") > 0
        # The follow-up is sent with the conversation's earlier questions, oldest first.
        assert "context" not in sent[0]
        assert sent[1]["context"] == [POLICE] and sent[2]["context"] == [POLICE, SCHOOLS]

        # Typing never moves the page.
        before = page.evaluate("window.scrollY")
        page.locator("#question").focus()
        page.keyboard.type("et pour les organismes communautaires, comment faire ?")
        assert page.evaluate("window.scrollY") == before
        page.fill("#question", "")

        # Back and Forward move between answers; nothing of the question leaves the tab.
        page.go_back()
        page.locator(".turn").nth(1).locator(".asked:focus").wait_for()
        assert in_view(page, page.locator(".turn").nth(1).locator(".asked"))
        page.go_back()
        page.locator(".turn").nth(0).locator(".asked:focus").wait_for()
        page.go_forward()
        page.locator(".turn").nth(1).locator(".asked:focus").wait_for()
        assert page.url == server_url + "/"
        state = page.evaluate("() => JSON.stringify(history.state)")
        assert "police" not in state and "écoles" not in state
    finally:
        context.close()
    assert errors == []


def test_long_question_folded_and_overlong_refused(browser, server_url):
    context, page, errors = open_page(browser, server_url)
    asked = []
    page.on("request", lambda request: request.url.endswith("/api/ask") and asked.append(request))
    try:
        limit = int(page.locator("#question").get_attribute("data-max-chars"))
        assert limit == 2000
        # A pasted question over the limit is kept whole, counted, and refused with a reason.
        pasted = ("Comment collaborer ? " * 125).strip()
        assert len(pasted) == 2624
        page.fill("#question", pasted)
        assert page.input_value("#question") == pasted, "the question was cut"
        counter = page.locator("#question-count")
        assert counter.is_visible() and re.search(r"2\s?624 / 2\s?000", counter.inner_text())
        assert "over" in counter.get_attribute("class")
        page.keyboard.press("Enter")
        error = page.locator("#question-error")
        assert error.is_visible() and "trop longue" in error.inner_text()
        assert asked == [] and page.locator(".turn").count() == 0
        assert page.get_attribute("#question", "aria-invalid") == "true"

        # A long question within the limit is asked and shown as text folded to a few lines.
        question = "Comment organiser une rencontre entre l'école et le CLSC pour un jeune ? " * 25
        turn = ask(page, question.strip())
        heading = turn.locator(".asked")
        folded_height = heading.bounding_box()["height"]
        assert folded_height < 110, f"a long question takes {folded_height}px"
        assert heading.evaluate("node => getComputedStyle(node).fontSize") == "16.8px"
        fold = turn.locator("button.fold")
        assert fold.get_attribute("aria-expanded") == "false"
        fold.click()
        assert fold.get_attribute("aria-expanded") == "true"
        assert heading.bounding_box()["height"] > folded_height * 3
        assert turn.locator(".asked-text").inner_text() == question.strip()
    finally:
        context.close()
    assert errors == []


def test_every_message_follows_the_interface_language(browser, server_url):
    context, page, errors = open_page(browser, server_url)
    try:
        turn = ask(page, "😀😀")
        text = turn.inner_text()
        assert "Les documents ne semblent pas répondre" in text
        assert "The documents" not in text and "Try rephrasing" not in text
        # An error worded by the server in another language is shown in the page's.
        page.route(
            "**/api/ask",
            lambda route: route.fulfill(
                status=500,
                content_type="application/json",
                body=json.dumps({"error": "internal", "message": "The assistant could not answer this request.",
                                 "status": 500, "lang": "en"}),
            ),
        )
        turn = ask(page, "What about the police?")
        assert turn.locator(".error").inner_text().startswith("L’assistant n’a pas pu répondre")
    finally:
        context.close()
    assert errors == []


def stub_answer(page, change):
    """Answer /api/ask with the real server's answer, changed by `change(answer)`."""

    def handle(route):
        response = route.fetch()
        answer = response.json()
        change(answer)
        route.fulfill(response=response, body=json.dumps(answer), content_type="application/json")

    page.route("**/api/ask", handle)


def test_match_levels_and_understood_as(browser, server_url):
    context, page, errors = open_page(browser, server_url)
    try:
        # The real server, whatever it sends today: the words follow its fields.
        turn = ask(page, POLICE)
        real = page.evaluate("() => JSON.parse(sessionStorage.getItem('assistant.conversation.v1'))[0].answer")
        level = real.get("confidence") or ("high" if real["answerable"] else "low")
        words = {"high": "Correspondance forte", "medium": "Correspondance partielle", "low": "ne semblent pas"}
        assert words[level] in turn.inner_text()

        # A server that does not send confidence yet: answerable → strong, not → low.
        def without_fields(answer):
            answer.pop("confidence", None)
            answer.pop("understood_as", None)
            answer["answerable"] = True

        stub_answer(page, without_fields)
        turn = ask(page, OBSTACLES)
        assert turn.locator(".confidence strong").inner_text() == "Correspondance forte"
        assert re.search(r"\d+ passages cités trouvés", turn.locator(".confidence").inner_text())
        assert turn.locator(".understood").count() == 0
        page.unroute("**/api/ask")

        understood = "Comment démarrer un partenariat avec les écoles ?"

        def medium(answer):
            answer.update(confidence="medium", answerable=True, understood_as=understood)

        stub_answer(page, medium)
        turn = ask(page, SCHOOLS)
        # The page's French typography: a no-break space before the colon.
        shown = turn.locator(".confidence strong").inner_text()
        assert shown == "Correspondance partielle\u00a0: vérifiez les passages"
        assert turn.locator(".understood").inner_text() == f"Compris comme\u00a0: {understood}"
        page.unroute("**/api/ask")

        def low(answer):
            answer.update(confidence="low", answerable=False, understood_as=answer["question"])

        stub_answer(page, low)
        turn = ask(page, "Comment inscrire un jeune à un camp de jour sportif cet été ?")
        text = turn.inner_text()
        assert "Les documents ne semblent pas répondre" in text
        assert "trouvé" not in text, "a low answer said how many passages were found"
        assert turn.locator(".understood").count() == 0  # same as the question
        assert turn.locator("details.closest:not([open]) .card").count() >= 1
        page.unroute("**/api/ask")

        # The same words in English.
        page.goto(server_url + "/language/en")
        page.locator("body[data-ready=chat]").wait_for()
        stub_answer(page, medium)
        turn = ask(page, "and with schools?")
        assert turn.locator(".confidence strong").inner_text() == "Partial match: check the passages"
        assert turn.locator(".understood").inner_text().startswith("Understood as: ")
    finally:
        context.close()
    assert errors == []


def test_related_reading_under_an_answer(browser, server_url):
    context, page, errors = open_page(browser, server_url)
    try:
        turn = ask(page, POLICE)
        cited = turn.locator(".card a.action").evaluate_all("links => links.map(l => l.getAttribute('href'))")
        sections = turn.locator(".related-sections a")
        assert sections.count() >= 1
        for link in sections.all():
            assert link.get_attribute("href") in cited
        # Each link names the section of a cited passage (its document when it has none).
        names = turn.locator(".card").evaluate_all(
            """cards => cards.map((card) => {
                 const rows = [...card.querySelectorAll('.meta div')];
                 const row = rows.find((r) => r.querySelector('dt').textContent === 'Section');
                 return row ? row.querySelector('dd').textContent : card.querySelector('.card-title').textContent;
               })"""
        )
        assert set(sections.all_inner_texts()) <= set(names)
        questions = turn.locator(".related-questions button")
        assert 2 <= questions.count() <= 3
        suggested = questions.all_inner_texts()
        assert POLICE.replace(" ?", "\u202f?") not in suggested and POLICE not in suggested
        questions.first.click()
        page.locator(".turn").nth(1).locator(".answer").wait_for()
        assert page.locator(".turn").nth(1).locator(".asked-text").inner_text() == suggested[0]
        # A question the conversation has asked is not suggested again.
        later = page.locator(".turn").nth(1).locator(".related-questions button").all_inner_texts()
        assert later and not {suggested[0], POLICE.replace(" ?", "\u202f?")} & set(later)
    finally:
        context.close()
    assert errors == []


def test_undo_clearing_the_conversation_and_emptying_the_basket(browser, server_url):
    context, page, errors = open_page(browser, server_url)
    try:
        ask(page, POLICE)
        turn = ask(page, OBSTACLES)
        page.click("#clear")
        assert page.locator(".turn").count() == 0
        bar = page.locator("#undo-bar")
        assert bar.is_visible() and page.evaluate("document.activeElement.className") == "undo-button"
        page.keyboard.press("Enter")
        assert page.locator(".turn").count() == 2 and bar.is_hidden()
        assert page.locator(".turn").nth(1).locator(".asked-text").inner_text() == OBSTACLES

        turn = page.locator(".turn").nth(1)
        for number in range(2):
            turn.locator(".card button.basket-toggle").nth(number).click()
        ids = page.eval_on_selector_all("#basket .basket-item", "items => items.map(i => i.dataset.passageId)")
        assert len(ids) == 2
        page.click("#basket-clear")
        assert page.locator("#basket .basket-item").count() == 0
        expect(bar).to_contain_text("Vos extraits ont été vidés (2 retirés)")
        bar.get_by_role("button", name="Annuler").click()
        page.locator("#basket .basket-item").nth(1).wait_for()
        assert page.eval_on_selector_all("#basket .basket-item", "items => items.map(i => i.dataset.passageId)") == ids
        page.reload()
        page.locator("#basket .basket-item").nth(1).wait_for()
        assert page.locator(".turn").count() == 2
    finally:
        context.close()
    assert errors == []


def test_odds_and_ends(browser, server_url):
    context, page, errors = open_page(browser, server_url, width=390)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server_url)
    try:
        # The "Documents" link is a 24 px touch target; card titles take the card's width.
        assert page.locator(".nav-link").bounding_box()["height"] >= 24
        ask(page, POLICE)
        turn = ask(page, "Quels sont les bénéfices des collaborations intersectorielles ?")
        card = turn.locator(".card").first
        assert card.locator(".card-title").bounding_box()["width"] >= 0.8 * card.bounding_box()["width"]
        # "Copy citation" says so where it was pressed.
        copy = card.get_by_role("button", name="Copier la citation")
        copy.click()
        assert card.locator("button.done").inner_text() == "✓ Copiée"

        # "Read in context", then "Back to the questions": the same card, not the page's top.
        first = page.locator(".turn").first.locator(".card").nth(2)
        link = first.locator("a.action")
        target = link.get_attribute("href")
        link.click()
        page.wait_for_url(f"**{target}")
        page.locator("#back-to-chat").click()
        page.locator("body[data-ready=chat]").wait_for()
        assert page.evaluate("window.scrollY") > 0
        assert in_view(page, page.locator(".turn").first.locator(".card").nth(2))
        assert page.evaluate("document.activeElement.getAttribute('href')") == target
    finally:
        context.close()
    assert errors == []


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_document_kinds_and_the_other_version_opens_the_same_passage(browser, server_url, lang):
    context = browser.new_context(locale="fr-CA" if lang == "fr" else "en-CA")
    page = context.new_page()
    try:
        page.goto(server_url + "/documents/maillage-benefices-fr")
        kind = page.locator(".meta div", has=page.locator("dt", has_text=re.compile("^(Type|Kind)$"))).locator("dd")
        assert kind.inner_text() == ("page Web" if lang == "fr" else "web page")
        page.goto(server_url + "/documents/maillage-obstacles-conseils-fr")
        meta = page.locator(".meta").inner_text()
        assert ("conseils" in meta) if lang == "fr" else ("tips" in meta)

        page.goto(server_url + "/documents/maillage-benefices-fr")
        twin = page.locator(".seg[data-twin]").nth(2)
        passage, other = twin.get_attribute("data-passage"), twin.get_attribute("data-twin")
        page.goto(f"{server_url}/documents/maillage-benefices-fr#p-{passage}")
        version = page.locator("a.twin")
        assert version.get_attribute("href") == f"/documents/maillage-benefits-en#p-{other}"
        version.click()
        page.wait_for_url(f"**#p-{other}")
        current = page.locator(f'.seg.current[data-passage="{other}"]').first
        current.wait_for()
        assert in_view(page, current)
        # Without an anchor the link opens the other version's top.
        page.goto(server_url + "/documents/maillage-benefits-en")
        assert page.locator("a.twin").get_attribute("href") == "/documents/maillage-benefices-fr"
    finally:
        context.close()


def test_the_page_reads_its_limits_from_the_server(browser, searcher):
    from assistant.web import create_app

    from .conftest import serving

    with serving(create_app({"SEARCHER": searcher, "MAX_QUESTION_CHARS": 300})) as url:
        context, page, errors = open_page(browser, url)
        try:
            assert page.get_attribute("#question", "data-max-chars") == "300"
            page.fill("#question", "Comment collaborer avec la police ? " * 9)  # 323 characters
            page.keyboard.press("Enter")
            assert "la limite est de 300" in page.locator("#question-error").inner_text()
            assert page.locator(".turn").count() == 0
            with page.expect_request("**/api/ask") as sent:
                ask(page, "Comment collaborer avec la police ?")
            assert sent.value.post_data_json["k"] == 5  # the API's default, from the page's data
        finally:
            context.close()
    assert errors == []
