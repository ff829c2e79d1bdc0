"""The collection page in Debian's Chromium against a real `assistant serve`: upload, describe, follow the
update, ask, replace, remove; a page of another origin cannot change anything; axe-core finds nothing."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import threading
import time

import docx
import pytest
from fpdf import FPDF

from assistant.harness import start_server, stop_server
from tests.test_browser_a11y import AXE, check
from tests.test_collection import snapshot

from .conftest import answer_cards, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]

PDF_NAME = "Protocole Mont-Laurier.pdf"
PDF_TITLE = "Protocole de la table de Mont-Laurier (essai)"
PDF_FACT = ("La table de concertation de Mont-Laurier réunit la policière sociocommunautaire et les "
            "intervenantes du refuge Le Phare le troisième jeudi de chaque mois, au sous-sol de l'église.")
QUESTION = "Quand la table de concertation de Mont-Laurier réunit-elle la policière et le refuge Le Phare ?"
NEW_FACT = ("Depuis la révision, la table de concertation de Mont-Laurier réunit la policière et les "
            "intervenantes du refuge Le Phare chaque lundi matin à la bibliothèque Émilie-Gamelin.")
NEW_QUESTION = "Où la table de Mont-Laurier se réunit-elle le lundi matin avec le refuge Le Phare ?"
DOCX_NAME = "Guide d'accueil Sainte-Cécile.docx"
DOCX_TITLE = "Guide d'accueil des élèves à l'école Sainte-Cécile"
FILLER = ("Cette section décrit de façon générale les étapes d'un partenariat entre organismes du "
          "territoire, les rôles de chacun et la manière de consigner les décisions prises en réunion. ")


def write_pdf(path, paragraphs: list[str], pages: int = 1) -> None:
    """Write a real PDF of `pages` pages; the paragraphs go on the last one (Latin-1 accents)."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for number in range(pages):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 14)
        pdf.multi_cell(0, 8, f"Section {number + 1} : partenariats sur le territoire", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        texts = paragraphs if number == pages - 1 else [FILLER * 6, FILLER * 5]
        for text in texts:
            pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    pdf.output(str(path))


def write_docx(path) -> None:
    document = docx.Document()
    document.add_heading(DOCX_TITLE, level=0)
    document.add_paragraph("La travailleuse de milieu de l'école Sainte-Cécile rencontre chaque famille "
                           "nouvellement arrivée dans les deux semaines qui suivent l'inscription de l'élève.")
    document.save(str(path))


@pytest.fixture
def server(corpus_copy, index_copy):
    env = {**os.environ, "ASSISTANT_CORPUS": str(corpus_copy), "ASSISTANT_INDEX": str(index_copy)}
    process, url = start_server(env=env)
    try:
        yield url.rstrip("/")
    finally:
        stop_server(process)


@pytest.fixture
def elsewhere(tmp_path):
    """Serve a plain page from another origin (another port of 127.0.0.1): same site, other origin."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "index.html").write_text("<!doctype html><title>elsewhere</title><p>another site</p>", encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def wait_for_update(page, timeout: float = 300) -> list[str]:
    """Wait until the page says the index update is done; return the progress texts seen meanwhile."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = page.locator("#job-status").inner_text()
        detail = page.locator("#job-detail").inner_text()
        if detail and detail not in seen:
            seen.append(detail)
        if "failed" in status or "échoué" in status:
            raise AssertionError(status)
        if status.startswith("Index updated"):
            return seen
        time.sleep(0.1)
    raise AssertionError(f"no end of update; seen {seen}")


def cited_titles(page, url: str, question: str) -> list[str]:
    page.goto(url + "/")
    page.locator("body[data-ready=chat]").wait_for()
    page.fill("#question", question)
    page.keyboard.press("Enter")
    cards = answer_cards(page)
    return [cards.nth(number).locator(".card-title").inner_text().strip() for number in range(cards.count())]


def item(page, file: str):
    return page.locator(".collection-item", has=page.locator(".item-file", has_text=file))


def test_upload_describe_ask_replace_and_remove_without_a_restart(browser, server, corpus_copy, tmp_path):
    # 30 pages: reading and embedding them outlasts the page's 0.7 s between looks at the
    # progress (a one-page PDF was indexed before the page looked even once).
    write_pdf(tmp_path / PDF_NAME, [PDF_FACT], pages=30)
    write_docx(tmp_path / DOCX_NAME)
    context = browser.new_context(locale="en-CA", viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(server + "/documents")
    page.click("a[href='/collection']")
    page.locator("#add").wait_for()
    assert page.locator(".collection-item").count() >= 5
    assert page.locator(".state-indexed").first.inner_text().startswith("Indexed:")

    page.set_input_files("#files", [str(tmp_path / PDF_NAME), str(tmp_path / DOCX_NAME)])
    assert page.locator("#pending-heading").inner_text() == "To add (2)"
    page.locator("#p0-title").fill(PDF_TITLE)
    page.locator("#p0-lang").select_option("fr")
    page.locator("#p0-year").fill("2025")
    page.locator(".pending-item").nth(0).get_by_label("Police").check()
    page.locator(".pending-item").nth(0).get_by_label("Community").check()
    page.locator("#p1-title").fill(DOCX_TITLE)
    page.locator(".pending-item").nth(1).get_by_label("School").check()
    page.click("#send")
    seen = wait_for_update(page)
    assert any(text.startswith(("Reading files", "Embedding passages")) for text in seen), seen
    report = page.locator("#job-report").inner_text()
    assert PDF_NAME in report and DOCX_NAME in report and "Added" in report
    pdf_item = item(page, PDF_NAME)
    pdf_item.locator(".state-indexed").wait_for()
    assert pdf_item.locator(".item-title").inner_text() == PDF_TITLE
    assert item(page, DOCX_NAME).locator(".item-title").inner_text() == DOCX_TITLE
    manifest = (corpus_copy / "manifest.toml").read_text(encoding="utf-8")
    assert 'sectors = ["community", "police"]' in manifest and "Sainte-Cécile" in manifest

    chat = context.new_page()
    assert PDF_TITLE in cited_titles(chat, server, QUESTION)

    # Replace the PDF with a new version: its new content answers, under the same title.
    (tmp_path / "v2").mkdir()
    write_pdf(tmp_path / "v2" / PDF_NAME, [NEW_FACT])
    pdf_item.locator("input[type=file]").set_input_files(str(tmp_path / "v2" / PDF_NAME))
    page.locator("#job-status", has_text="Index updated").wait_for(state="detached", timeout=10_000)
    wait_for_update(page)
    assert "Changed" in page.locator("#job-report").inner_text()
    assert PDF_TITLE in cited_titles(chat, server, NEW_QUESTION)
    assert (corpus_copy / PDF_NAME).read_bytes() == (tmp_path / "v2" / PDF_NAME).read_bytes()

    # Remove it: its passages leave the answers.
    page.once("dialog", lambda dialog: dialog.accept())
    item(page, PDF_NAME).get_by_role("button", name=f"Remove {PDF_TITLE}").click()
    page.locator("#job-status", has_text="Index updated").wait_for(state="detached", timeout=10_000)
    wait_for_update(page)
    assert "Removed" in page.locator("#job-report").inner_text()
    item(page, PDF_NAME).wait_for(state="detached")
    assert not (corpus_copy / PDF_NAME).exists()
    assert PDF_TITLE not in cited_titles(chat, server, NEW_QUESTION)
    context.close()


def test_a_page_of_another_origin_cannot_upload_edit_or_remove(browser, server, elsewhere, corpus_copy):
    context = browser.new_context(locale="en-CA")
    page = context.new_page()
    page.goto(server + "/collection")  # the browser now holds this site's session cookie
    page.locator("#add").wait_for()
    before = snapshot(corpus_copy)
    page.goto(elsewhere + "/")
    results = page.evaluate(
        """async (target) => {
          const out = [];
          const attempt = async (method, path, init) => {
            try {
              const response = await fetch(target + path, {method, credentials: "include", ...init});
              out.push(response.type === "opaque" ? "opaque" : response.status);
            } catch (error) { out.push("blocked"); }
          };
          const form = new FormData();
          form.append("file", new File(["%PDF-1.4 pirate"], "pirate.pdf", {type: "application/pdf"}));
          await attempt("POST", "/api/collection/documents", {body: form, mode: "no-cors"});
          await attempt("POST", "/api/collection/documents", {body: form, headers: {"X-Assistant-Token": "guess"}});
          await attempt("DELETE", "/api/collection/documents/maillage-benefits-en", {});
          await attempt("PATCH", "/api/collection/documents/maillage-benefits-en",
                        {body: JSON.stringify({title: "pirate"}), headers: {"Content-Type": "application/json"}});
          await attempt("POST", "/api/collection/build", {mode: "no-cors"});
          return out;
        }""",
        server,
    )
    assert all(result in ("opaque", "blocked", 403) for result in results), results
    # A plain form posted across origins, with a file in it: refused, and it says why.
    page.set_content(f"""<form method="post" enctype="multipart/form-data" action="{server}/api/collection/documents">
        <input type="file" name="file" id="f"></form>""")
    page.locator("#f").set_input_files({"name": "pirate.pdf", "mimeType": "application/pdf",
                                        "buffer": b"%PDF-1.4 pirate"})
    with page.expect_navigation():
        page.evaluate("() => document.forms[0].submit()")
    assert "write_forbidden" in page.content()
    assert snapshot(corpus_copy) == before


@pytest.mark.skipif(not AXE.exists(), reason=f"axe-core is not installed at {AXE}")
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_axe_violation_on_the_collection_page(browser, server, lang, tmp_path):
    write_pdf(tmp_path / PDF_NAME, [PDF_FACT])
    context = browser.new_context(locale="fr-CA" if lang == "fr" else "en-CA", viewport={"width": 390, "height": 844})
    page = context.new_page()
    found: dict[str, list] = {}
    page.goto(server + "/collection")
    page.locator("#add").wait_for()
    check(page, "collection", found)
    page.set_input_files("#files", [str(tmp_path / PDF_NAME)])
    page.locator(".pending-item").wait_for()
    page.locator(".collection-item details.edit > summary").first.click()
    check(page, "collection, a file to add, a document's fields open", found)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.click("#send")
    wait_for_update(page) if lang == "en" else page.locator("#job-status", has_text="Index mis à jour").wait_for(
        timeout=300_000)
    check(page, "collection, update done with its report", found)
    context.close()
    assert not found, found


@pytest.mark.skipif(not AXE.exists(), reason=f"axe-core is not installed at {AXE}")
def test_a_read_only_server_shows_the_collection_without_its_forms(browser, corpus_copy, index_copy):
    env = {**os.environ, "ASSISTANT_CORPUS": str(corpus_copy), "ASSISTANT_INDEX": str(index_copy)}
    log: list[str] = []
    process, url = start_server(env=env, serve_args=["--read-only"], log=log)
    try:
        context = browser.new_context(locale="fr-CA")
        page = context.new_page()
        page.goto(url.rstrip("/") + "/collection")
        page.locator("#read-only").wait_for()
        assert page.locator(".collection-item").count() >= 5
        assert page.locator("#add").is_hidden() and page.locator("input[type=file]").count() == 1
        assert page.locator(".collection-item button").count() == 0
        found: dict[str, list] = {}
        check(page, "collection, read-only", found)
        assert not found, found
        assert any("read-only" in line for line in log)
        context.close()
    finally:
        stop_server(process)


def test_time_from_upload_to_first_answer_for_a_20_page_pdf(browser, server, tmp_path):
    """Upload a 20-page PDF on the page, then ask what only its last page says: the time it takes is printed."""
    write_pdf(tmp_path / PDF_NAME, [PDF_FACT], pages=20)
    context = browser.new_context(locale="en-CA")
    page = context.new_page()
    page.goto(server + "/collection")
    page.locator("#add").wait_for()
    page.set_input_files("#files", [str(tmp_path / PDF_NAME)])
    page.locator("#p0-title").fill(PDF_TITLE)
    started = time.monotonic()
    page.click("#send")
    wait_for_update(page)
    updated = time.monotonic() - started
    passages = int(item(page, PDF_NAME).locator(".state-indexed").inner_text().split(":")[1].split()[0])
    chat = context.new_page()
    titles = cited_titles(chat, server, QUESTION)
    answered = time.monotonic() - started
    context.close()
    assert PDF_TITLE in titles
    assert passages >= 20
    print(f"20-page PDF ({(tmp_path / PDF_NAME).stat().st_size // 1024} KB, {passages} passages): "
          f"index updated {updated:.1f} s after the upload, first answer citing it at {answered:.1f} s")
    assert answered < 120


def test_with_an_admin_token_the_page_asks_for_it_before_any_change(browser, corpus_copy, index_copy):
    env = {**os.environ, "ASSISTANT_CORPUS": str(corpus_copy), "ASSISTANT_INDEX": str(index_copy),
           "ASSISTANT_ADMIN_TOKEN": "tuque-et-mitaines-2026"}
    process, url = start_server(env=env)
    try:
        context = browser.new_context(locale="fr-CA")
        page = context.new_page()
        page.goto(url.rstrip("/") + "/collection")
        page.locator("#unlock").wait_for()
        assert page.locator("#add").is_hidden()
        page.get_by_label("Mot de passe", exact=True).fill("tuque")
        page.keyboard.press("Enter")
        page.locator("#collection-alert", has_text="mot de passe d’administration").wait_for()
        assert page.locator("#add").is_hidden()
        page.get_by_label("Mot de passe", exact=True).fill("tuque-et-mitaines-2026")
        page.keyboard.press("Enter")
        page.locator("#add").wait_for()
        assert page.locator("#unlock").is_hidden() and page.locator("#collection-alert").inner_text() == ""
        assert page.locator(".collection-item button.danger").count() >= 5
        cookies = {cookie["name"]: cookie for cookie in context.cookies()}
        assert cookies["assistant_admin"]["httpOnly"] and cookies["assistant_admin"]["sameSite"] == "Strict"
        assert "tuque" not in cookies["assistant_admin"]["value"]
        context.close()
    finally:
        stop_server(process)


@pytest.mark.parametrize("token", [None, "tuque-et-mitaines-2026"])
def test_a_server_shared_on_the_network_is_read_only_unless_an_admin_token_is_set(tmp_path, bundled_index_dir, token):
    if not shutil.which("unshare") or subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode:
        pytest.skip("needs a network namespace, so that the test never shares a server on a real network")
    env = {**os.environ, "ASSISTANT_INDEX": str(bundled_index_dir), "ASSISTANT_CORPUS": str(tmp_path / "none")}
    env.pop("ASSISTANT_ADMIN_TOKEN", None)
    if token:
        env["ASSISTANT_ADMIN_TOKEN"] = token
    lines: list[str] = []
    server, _base = start_server(env=env, serve_args=["--host", "0.0.0.0"], prefix=["unshare", "-n"], log=lines)
    stop_server(server)
    said = any("read-only: the collection cannot be changed" in line for line in lines)
    assert said is (token is None), lines


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching selector has the focus (fail after `limit` presses)."""
    for _ in range(limit):
        if page.evaluate("(selector) => document.activeElement?.matches(selector) ?? false", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reached with the keyboard")


def test_the_whole_flow_works_from_the_keyboard(browser, server, corpus_copy, tmp_path):
    write_pdf(tmp_path / PDF_NAME, [PDF_FACT])
    context = browser.new_context(locale="en-CA")
    page = context.new_page()
    page.goto(server + "/collection")
    page.locator("#add").wait_for()
    tab_to(page, "#files")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(tmp_path / PDF_NAME))
    page.locator(".pending-item").wait_for()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "p0-title"
    page.keyboard.type(PDF_TITLE)
    tab_to(page, "#p0-year")
    page.keyboard.type("2024")
    tab_to(page, ".pending-item input[value=police]")
    page.keyboard.press("Space")
    tab_to(page, "#send")
    page.keyboard.press("Enter")
    wait_for_update(page)
    pdf_item = item(page, PDF_NAME)
    pdf_item.locator(".state-indexed").wait_for()
    assert pdf_item.locator(".item-title").inner_text() == PDF_TITLE
    assert "year = 2024" in (corpus_copy / "manifest.toml").read_text(encoding="utf-8")
    page.once("dialog", lambda dialog: dialog.accept())
    tab_to(page, f".collection-item[data-id='{pdf_item.get_attribute('data-id')}'] button.danger")
    page.keyboard.press("Enter")
    item(page, PDF_NAME).wait_for(state="detached")
    assert not (corpus_copy / PDF_NAME).exists()
    assert page.evaluate("() => document.activeElement.id") == "list-heading"  # not lost on the page's body
    context.close()


def test_files_dropped_on_the_page_wait_to_be_described_and_too_many_are_refused(browser, server):
    context = browser.new_context(locale="fr-CA")
    page = context.new_page()
    page.goto(server + "/collection")
    page.locator("#add").wait_for()
    drop = """(names) => {
      const transfer = new DataTransfer();
      for (const name of names) transfer.items.add(new File(["Bonjour, élèves."], name, {type: "text/plain"}));
      document.querySelector("#drop").dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true}));
    }"""
    page.evaluate(drop, ["Note d'équipe.txt"])
    page.locator(".pending-item h4", has_text="Note d'équipe.txt").wait_for()
    assert page.locator("#pending-heading").inner_text() == "À ajouter (1)"
    page.evaluate(drop, [f"n{number}.txt" for number in range(20)])  # 21 in all: one too many
    assert "au plus 20 fichiers" in page.locator("#collection-alert").inner_text()
    assert page.locator(".pending-item").count() == 1
    context.close()
