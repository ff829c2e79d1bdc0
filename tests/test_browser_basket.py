"""The excerpt basket and the filters in a real Chromium: collect, reorder, remove, download DOCX."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from .conftest import answer_cards, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture
def page(browser):
    """Return a French-speaking page that records script errors."""
    context = browser.new_context(locale="fr-CA", viewport={"width": 1100, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors


def ask(page, question: str):
    """Ask a question and return the cards of its answer (opening "closest passages" if folded)."""
    page.fill("#question", question)
    page.click("#ask-button")
    return answer_cards(page)


def basket_ids(page) -> list[str]:
    return page.eval_on_selector_all("#basket .basket-item", "items => items.map(i => i.dataset.passageId)")


def test_collect_reorder_remove_and_download_docx(page, server_url, tmp_path):
    page.goto(server_url + "/")
    assert page.locator("#basket-heading").inner_text() == "Mes extraits (0)"
    assert page.locator("#basket-export-docx").is_disabled()

    chosen: list[str] = []
    for question, take in (("Quels sont les bénéfices des collaborations intersectorielles ?", 3),
                           ("How do I start a partnership with the police?", 3)):
        cards = ask(page, question)
        for number in range(take):
            card = cards.nth(number)
            toggle = card.locator("button.basket-toggle")
            assert toggle.get_attribute("aria-pressed") == "false"
            toggle.click()
            assert toggle.get_attribute("aria-pressed") == "true"
            chosen.append(card.get_attribute("data-passage-id"))
    assert basket_ids(page) == chosen
    assert page.locator("#basket-heading").inner_text() == "Mes extraits (6)"
    assert page.locator(".basket-jump").inner_text() == "Mes extraits (6)"

    # Pressing the toggle again takes the passage out.
    page.locator(f'.card[data-passage-id="{chosen[-1]}"] button.basket-toggle').first.click()
    chosen.pop()
    assert basket_ids(page) == chosen

    # Reorder with the keyboard: focus "Descendre" of the first excerpt, press Enter twice.
    first = page.locator("#basket .basket-item").first.locator(".basket-down")
    first.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    chosen.insert(2, chosen.pop(0))
    assert basket_ids(page) == chosen
    # The focus stayed with the excerpt that moved.
    focused = page.evaluate("document.activeElement.closest('.basket-item').dataset.passageId")
    assert focused == chosen[2]
    page.locator("#basket .basket-item").nth(4).locator(".basket-up").click()
    chosen[3], chosen[4] = chosen[4], chosen[3]
    assert basket_ids(page) == chosen
    assert page.locator("#basket .basket-item").first.locator(".basket-up").is_disabled()

    # Remove one from the panel; the card's button follows.
    removed = chosen.pop(1)
    page.locator(f'#basket .basket-item[data-passage-id="{removed}"] .basket-remove').click()
    assert basket_ids(page) == chosen
    assert page.locator(f'.card[data-passage-id="{removed}"] button.basket-toggle').first.get_attribute(
        "aria-pressed"
    ) == "false"

    # Kept in the browser: a reload shows the same basket in the same order.
    page.reload()
    page.locator("#basket .basket-item").first.wait_for()
    assert basket_ids(page) == chosen
    assert page.locator(f'.card[data-passage-id="{chosen[0]}"] button.basket-toggle').first.get_attribute(
        "aria-pressed"
    ) == "true"

    with page.expect_download() as caught:
        page.click("#basket-export-docx")
    download = caught.value
    assert download.suggested_filename.startswith("mes-extraits-") and download.suggested_filename.endswith(".docx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    texts = [paragraph.text for paragraph in docx.Document(str(path)).paragraphs]
    assert texts[0] == "Mes extraits"
    links = [text for text in texts if text.startswith("Lien")]
    assert [link.split("#p-")[1].split()[0] for link in links] == chosen
    assert "Références" in texts

    with page.expect_download() as caught:
        page.click("#basket-export-md")
    markdown = Path(caught.value.path()).read_text(encoding="utf-8")
    assert markdown.startswith("# Mes extraits") and markdown.count("## Extrait ") == len(chosen)

    page.click("#basket-clear")
    assert basket_ids(page) == []
    assert page.locator(".basket-empty").is_visible()


def test_english_interface_exports_in_english(page, server_url):
    page.goto(server_url + "/language/en")
    cards = ask(page, "Quels sont les obstacles à la collaboration ?")
    cards.first.locator("button.basket-toggle").click()
    assert page.locator("#basket-heading").inner_text() == "My excerpts (1)"
    with page.expect_download() as caught:
        page.click("#basket-export-md")
    markdown = Path(caught.value.path()).read_text(encoding="utf-8")
    assert markdown.startswith("# My excerpts")
    assert "## Excerpt 1 — " in markdown and "## References" in markdown


def test_sector_and_document_filters_in_the_page(page, server_url):
    page.goto(server_url + "/")
    page.click("#filters summary")
    page.check('#filters input[name="sector"][value="school"]')
    assert "1 filtre" in page.locator(".filters-count").inner_text()
    with page.expect_request("**/api/ask") as sent:
        cards = ask(page, "Comment collaborer avec les partenaires ?")
    assert sent.value.post_data_json["sectors"] == ["school"]
    ids = cards.evaluate_all("cards => cards.map(c => c.dataset.passageId)")
    assert ids
    for passage_id in ids:
        passage = page.request.get(f"{server_url}/api/passages/{passage_id}").json()
        assert "school" in passage["sectors"]

    page.click("#filters button.quiet")  # remove the filters
    page.check('#filters input[name="document"][value="maillage-benefits-en"]')
    with page.expect_request("**/api/ask") as sent:
        cards = ask(page, "What are the benefits of collaboration?")
    body = sent.value.post_data_json
    assert body["documents"] == ["maillage-benefits-en"] and "sectors" not in body
    docs = {page.request.get(f"{server_url}/api/passages/{pid}").json()["doc_id"]
            for pid in cards.evaluate_all("cards => cards.map(c => c.dataset.passageId)")}
    assert docs == {"maillage-benefits-en"}


def test_add_the_opened_passage_from_the_document_view(page, server_url):
    page.goto(server_url + "/")
    cards = ask(page, "Quels sont les bénéfices des collaborations intersectorielles ?")
    passage_id = cards.first.get_attribute("data-passage-id")
    cards.first.locator("a.action").first.click()  # "read in context"
    page.wait_for_url(f"**#p-{passage_id}")
    toggle = page.locator("button.basket-toggle")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    page.locator(f'#basket .basket-item[data-passage-id="{passage_id}"]').wait_for()
    assert toggle.get_attribute("aria-pressed") == "true"
    assert page.locator("#basket-heading").inner_text() == "Mes extraits (1)"
    page.go_back()
    page.locator("#basket .basket-item").first.wait_for()
    assert basket_ids(page) == [passage_id]
