"""No accessibility violation (axe-core, run in Debian's Chromium) on any state of any page,
in both interface languages, on a phone (390 px) and a laptop (1366 px); touch targets of
at least 24 × 24 px.

axe-core comes from npm (scripts/setup --dev installs it into node_modules/, git-ignored). Its
source is evaluated in the page through the DevTools protocol, which the page's
Content-Security-Policy does not govern: the policy the server sends is never relaxed.
"""

from __future__ import annotations

import pytest

from assistant.web.app import CONTENT_SECURITY_POLICY

from .conftest import REPO, needs_chromium

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = [
    pytest.mark.browser,
    needs_chromium,
    pytest.mark.skipif(
        not AXE.exists(), reason=f"axe-core is not installed at {AXE} (scripts/setup --dev installs it)"
    ),
]

# Everything axe checks by default (WCAG 2.0–2.2 A/AA and best practices), plus the 24 px
# target size of WCAG 2.2, which axe leaves off by default.
RUN_AXE = """async () => {
  const result = await axe.run(document, {rules: {"target-size": {enabled: true}}, resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(
      (n) => n.target.join(" ") + " — " + n.failureSummary.split("\\n").slice(0, 2).join(" ")),
  }));
}"""

# Every control a finger may press, with its box; a checkbox counts with its label.
SMALL_TARGETS = """() => {
  const small = [];
  for (const node of document.querySelectorAll("a[href], button, summary, input, textarea, select")) {
    const target = node.matches("input[type=checkbox], input[type=radio]") && node.closest("label") || node;
    const style = getComputedStyle(target);
    if (target.closest("[hidden]") || style.visibility === "hidden" || style.display === "none") continue;
    const box = target.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (target.matches(".skip") && box.left < 0) continue;  // the skip link, off-screen until focused
    if (box.width < 24 || box.height < 24) {
      const name = `${target.tagName.toLowerCase()}.${target.className} "${target.textContent.trim().slice(0, 30)}"`;
      small.push(`${name} ${Math.round(box.width)}×${Math.round(box.height)}`);
    }
  }
  return small;
}"""


def check(page, state: str, found: dict[str, list]) -> None:
    """Run axe-core and the touch-target check on the page as it is; note what they find.

    The chat page's question box is pinned to the bottom of the window: whatever scrolls
    under it is covered for that moment, which axe's target-size rule counts against the
    covered buttons. The check runs with the page scrolled to its end, where the box rests
    in its own place and covers nothing; the states themselves are unchanged.
    """
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(RUN_AXE)
    small = page.evaluate(SMALL_TARGETS)
    if violations or small:
        found[state] = violations + [{"id": "small-target", "nodes": small}] if small else violations


def ask(page, question: str) -> None:
    count = page.locator(".turn .answer").count()
    page.fill("#question", question)
    page.keyboard.press("Enter")
    page.locator(".turn .answer").nth(count).wait_for(timeout=30_000)


@pytest.mark.parametrize("width", [390, 1366])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_axe_violation_on_any_state(browser, server_url, lang, width):
    context = browser.new_context(
        locale="fr-CA" if lang == "fr" else "en-CA", viewport={"width": width, "height": 844 if width < 500 else 900}
    )
    page = context.new_page()
    found: dict[str, list] = {}
    try:
        response = page.goto(server_url + "/")
        # The page keeps its own policy: axe is evaluated through DevTools, not allowed by it.
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        page.locator("body[data-ready=chat]").wait_for()
        assert page.locator("html").get_attribute("lang") == lang
        check(page, "chat, empty", found)

        # Answers, a translation and the filters open, a long (folded) question.
        ask(page, "Quels sont les bénéfices des collaborations intersectorielles ?")
        ask(page, "How do I start a partnership with the police?")
        toggles = page.locator(".turn details.translation > summary")
        if toggles.count():
            toggles.first.click()
        page.click("#filters summary")
        page.locator("#filters fieldset").first.wait_for()
        check(page, "chat, answers, translation and filters open", found)
        page.click("#filters summary")
        ask(page, "Comment collaborer avec l'école ? " * 40)
        check(page, "chat, a long question folded", found)

        # No answer, its closest passages open.
        ask(page, "😀😀")
        folded = page.locator(".turn").last.locator("details.closest > summary")
        if folded.count():
            folded.click()
        check(page, "chat, no answer", found)

        # An over-long question refused, the counter shown.
        page.fill("#question", "x" * 2100)
        page.keyboard.press("Enter")
        page.locator("#question-error").wait_for()
        check(page, "chat, question too long", found)
        page.fill("#question", "")

        # The basket full, then emptied with the undo bar showing.
        for turn in (0, 1):
            toggles = page.locator(".turn").nth(turn).locator(".card button.basket-toggle")
            for number in range(3):
                toggles.nth(number).click()
        page.locator("#basket .basket-item").nth(2).wait_for()
        check(page, "chat, basket full", found)
        page.click("#basket-clear")
        page.locator("#undo-bar").wait_for()
        check(page, "chat, undo bar", found)
        page.click("#undo-bar .undo-button")

        # The conversation cleared, undo bar showing.
        page.click("#clear")
        page.locator("#undo-bar").wait_for()
        check(page, "chat, conversation cleared", found)

        # The document view with and without a passage anchor, the list, the error pages.
        page.goto(server_url + "/documents/maillage-benefices-fr")
        check(page, "document, no anchor", found)
        passage = page.locator(".seg[id]").nth(3).get_attribute("id")
        page.goto(f"{server_url}/documents/maillage-benefices-fr#{passage}")
        page.locator(".seg.current").first.wait_for()
        check(page, "document, with anchor", found)
        page.goto(server_url + "/documents/aire-ouverte-partenariat-fr")
        check(page, "document, long", found)
        page.goto(server_url + "/documents")
        check(page, "documents list", found)
        page.goto(server_url + "/documents/no-such-document")
        check(page, "error page 404", found)
        page.goto(server_url + "/language/xx")
        check(page, "error page, unknown language", found)
    finally:
        context.close()
    assert found == {}, "\n".join(f"{state}: {problems}" for state, problems in found.items())
