"""The chat page in a real Chromium (Debian's) driven by Playwright, against a real waitress server."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .conftest import answer_cards, needs_chromium

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture
def watched(browser, server_url):
    """Return a French-speaking page, the hosts it asked for, and its script errors and dialogs."""
    context = browser.new_context(locale="fr-CA", viewport={"width": 1100, "height": 900})
    hosts: list[str] = []
    problems: list[str] = []
    context.on("request", lambda request: hosts.append(urlsplit(request.url).hostname or request.url))
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    # Content-Security-Policy refusals and failed loads show as console errors.
    page.on("console", lambda message: message.type == "error" and problems.append(f"console: {message.text}"))
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    yield page, hosts, problems
    context.close()


def test_ask_in_french_read_in_context_and_switch_language(watched, server_url):
    page, hosts, problems = watched
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(server_url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_label("Votre question").is_visible()

    page.get_by_label("Votre question").fill("Comment démarrer un partenariat avec la police ?")
    page.keyboard.press("Enter")
    cards = answer_cards(page)
    assert cards.count() >= 3
    first = cards.first
    assert first.locator(".card-title").inner_text().strip()
    assert first.locator(".badge [aria-hidden=true]").inner_text() in {"FR", "EN"}
    assert page.locator(".turn mark").count() >= 1, "no highlighted sentence or word"
    assert page.locator("#status").inner_text().strip(), "nothing announced to screen readers"
    page.screenshot(path=str(ARTIFACTS / "chat-fr.png"), full_page=True)

    link = first.get_by_role("link", name="Lire dans le document")
    target = link.get_attribute("href")
    passage_id = target.split("#p-")[1]
    link.click()
    page.wait_for_url(f"**{target}")
    current = page.locator(f'.seg.current[data-passage="{passage_id}"]').first
    current.wait_for()
    assert current.is_visible() and page.locator("#passage-note").is_visible()
    box = current.bounding_box()
    assert box is not None and 0 <= box["y"] < 900, "the passage was not scrolled into view"
    page.screenshot(path=str(ARTIFACTS / "document-in-context.png"))
    page.goto(server_url + target.replace("#p-", "#%E0%A4%A"))  # a malformed address breaks nothing
    page.goto(server_url + target)

    page.goto(server_url + "/")
    page.locator(".turn").first.wait_for()
    assert page.locator(".turn").count() == 1, "the conversation did not survive leaving the page"
    page.get_by_role("link", name="Show the interface in English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_label("Your question").is_visible()
    assert page.locator(".turn").count() == 1
    assert answer_cards(page).count() >= 3
    assert page.get_by_role("link", name="Read in context").count() >= 3
    page.screenshot(path=str(ARTIFACTS / "chat-en.png"), full_page=True)

    page.get_by_label("Your question").fill("<script>alert(1)</script>")
    page.get_by_role("button", name="Ask").click()
    page.locator(".turn").nth(1).locator(".answer").wait_for(timeout=30_000)
    assert page.locator(".turn").nth(1).locator(".asked q").inner_text() == "<script>alert(1)</script>"

    assert problems == []
    assert hosts and set(hosts) == {"127.0.0.1"}, f"requests outside 127.0.0.1: {sorted(set(hosts))}"


def test_copy_citation_and_translation_toggle(watched, server_url):
    from playwright.sync_api import expect

    page, hosts, problems = watched
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server_url)
    page.goto(server_url + "/")
    page.get_by_role("button", name="What are the benefits of cross-sectoral collaboration?").click()
    cards = answer_cards(page)
    card = cards.first
    title = card.locator(".card-title").inner_text()
    card.get_by_role("button", name="Copier la citation").click()
    expect(page.locator("#status")).to_have_text(re.compile("copiée"))
    copied = page.evaluate("navigator.clipboard.readText()")
    assert title in copied and copied.startswith("«")
    toggles = page.locator(".turn details.translation > summary")
    assert toggles.count() >= 1, "no passage of the benefits list showed its translation"
    toggles.first.click()
    assert page.locator(".turn details.translation[open] blockquote").first.is_visible()
    assert problems == [] and set(hosts) == {"127.0.0.1"}


def test_phone_width_has_no_sideways_scrolling(browser, server_url):
    context = browser.new_context(locale="en-CA", viewport={"width": 360, "height": 740})
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page = context.new_page()
        page.goto(server_url + "/")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        page.get_by_role("button", name="How do I start a partnership with the police?").click()
        answer_cards(page).first.wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(ARTIFACTS / "chat-phone.png"), full_page=True)
    finally:
        context.close()
