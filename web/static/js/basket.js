// The excerpt basket: passages a trainer keeps (in this browser's localStorage, never on the
// server), puts in order and exports with their references as Markdown or Word (DOCX).

import { element, registerCardAction } from "./cards.js";
import { t, uiLang } from "./client.js";
import { offerUndo } from "./undo.js";

const KEY = "assistant.basket.v1";
const MOST = 200;
// What the panel shows and what survives a rebuilt index: the contract's citation fields.
const KEPT = ["id", "doc_id", "text", "title", "section", "lang", "organisation", "source", "year", "url"];

/** Return the kept excerpts, in the trainer's order. */
export function loadBasket() {
  try {
    const items = JSON.parse(localStorage.getItem(KEY) || "[]");
    return Array.isArray(items) ? items.filter((item) => item && typeof item.id === "string") : [];
  } catch {
    return [];
  }
}

function saveBasket(items) {
  try {
    localStorage.setItem(KEY, JSON.stringify(items.slice(0, MOST)));
  } catch {
    // Storage full or disabled: the panel still shows this page's excerpts.
  }
  memory = items.slice(0, MOST);
  refresh();
}

let memory = loadBasket();

function current() {
  return memory;
}

/** Return whether a passage is in the basket. */
export function inBasket(id) {
  return current().some((item) => item.id === id);
}

/** Add a passage (the API contract's object) at the end of the basket. */
export function addExcerpt(passage) {
  if (inBasket(passage.id)) return;
  const kept = Object.fromEntries(KEPT.map((field) => [field, passage[field] ?? null]));
  saveBasket([...current(), kept]);
}

/** Remove a passage from the basket. */
export function removeExcerpt(id) {
  saveBasket(current().filter((item) => item.id !== id));
}

/** Move an excerpt up (-1) or down (+1); return its new position (0-based). */
export function moveExcerpt(id, delta) {
  const items = [...current()];
  const from = items.findIndex((item) => item.id === id);
  const to = from + delta;
  if (from < 0 || to < 0 || to >= items.length) return from;
  [items[from], items[to]] = [items[to], items[from]];
  saveBasket(items);
  return to;
}

// ---- The panel -------------------------------------------------------------------------

const panel = document.getElementById("basket") || document.querySelector("main").appendChild(element("aside"));
panel.id = "basket";
panel.classList.add("basket");
panel.setAttribute("aria-labelledby", "basket-heading");
panel.hidden = false;

const heading = element("h2", "basket-heading");
heading.id = "basket-heading";
heading.tabIndex = -1;
const note = element("p", "hint", t("basket_note"));
const empty = element("p", "basket-empty", t("basket_empty"));
const list = element("ol", "basket-list");
const problem = element("p", "error");
problem.hidden = true;
const live = element("div", "visually-hidden");
live.setAttribute("role", "status");
live.setAttribute("aria-live", "polite");
const tools = element("div", "basket-tools");
const exportMd = button(t("basket_export_md"), "action", () => download("md"));
exportMd.id = "basket-export-md";
const exportDocx = button(t("basket_export_docx"), "action", () => download("docx"));
exportDocx.id = "basket-export-docx";
const clear = button(t("basket_clear"), "quiet", () => {
  const kept = current();
  saveBasket([]);
  // Emptying is one press away from a mistake: say it, and offer to take it back.
  offerUndo(
    t("basket_cleared", { count: kept.length }),
    () => {
      saveBasket(kept);
      announce(t("restored"));
      heading.focus();
    },
    heading,
  );
});
clear.id = "basket-clear";
tools.append(exportMd, exportDocx, clear);
panel.replaceChildren(heading, note, empty, list, problem, tools, live);

// A link in the page's header, so the basket is one key press away from anywhere.
const jump = element("a", "basket-jump");
jump.href = "#basket";
const top = document.querySelector(".top");
const languageSwitch = document.getElementById("switch-language");
if (top && languageSwitch?.parentElement === top) top.insertBefore(jump, languageSwitch);
else top?.append(jump);

function button(label, className, onClick) {
  const node = element("button", className, label);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

function announce(message) {
  live.textContent = "";
  window.setTimeout(() => {
    live.textContent = message;
  }, 50);
}

function itemLabel(item, number) {
  return t("basket_item_label", { number, title: item.title || item.doc_id });
}

function shortText(text, most = 280) {
  const flat = (text || "").replace(/\s+/g, " ").trim();
  return flat.length > most ? `${flat.slice(0, most - 1)}…` : flat;
}

function basketItem(item, position, count, gone) {
  const number = position + 1;
  const row = element("li", "basket-item");
  row.dataset.passageId = item.id;
  const title = element("p", "basket-title");
  title.append(element("span", "number", `${number}.`), " ");
  const name = element("span", "", item.title || item.doc_id);
  name.lang = item.lang || "";
  title.append(name);
  const quote = element("blockquote", "excerpt", shortText(item.text));
  quote.lang = item.lang || "";
  row.append(title, quote);
  const where = [item.section, item.organisation].filter(Boolean).join(" · ");
  if (where) row.append(element("p", "basket-where", where));
  if (gone) row.append(element("p", "error", t("basket_gone")));
  const label = itemLabel(item, number);
  const up = button(t("basket_up"), "quiet basket-up", () => move(item.id, -1, "up"));
  up.setAttribute("aria-label", `${t("basket_up")} — ${label}`);
  up.disabled = position === 0;
  const down = button(t("basket_down"), "quiet basket-down", () => move(item.id, +1, "down"));
  down.setAttribute("aria-label", `${t("basket_down")} — ${label}`);
  down.disabled = position === count - 1;
  const remove = button(t("basket_remove"), "quiet basket-remove", () => drop(item.id, position));
  remove.setAttribute("aria-label", `${t("basket_remove")} — ${label}`);
  const actions = element("div", "actions");
  actions.append(up, down, remove);
  row.append(actions);
  return row;
}

let goneIds = new Set();

function refresh() {
  const items = current();
  heading.textContent = `${t("basket_heading")} (${items.length})`;
  jump.textContent = `${t("basket_heading")} (${items.length})`;
  empty.hidden = items.length > 0;
  exportMd.disabled = exportDocx.disabled = clear.disabled = items.length === 0;
  list.replaceChildren(...items.map((item, position) => basketItem(item, position, items.length, goneIds.has(item.id))));
  for (const toggle of document.querySelectorAll("button.basket-toggle")) showToggle(toggle);
}

function move(id, delta, direction) {
  const position = moveExcerpt(id, delta);
  const count = current().length;
  announce(t("basket_announce_moved", { position: position + 1, count }));
  // Keep the keyboard where it was: on the same button of the excerpt that moved.
  const row = list.querySelector(`li[data-passage-id="${CSS.escape(id)}"]`);
  const same = row?.querySelector(direction === "up" ? ".basket-up" : ".basket-down");
  const other = row?.querySelector(direction === "up" ? ".basket-down" : ".basket-up");
  (same && !same.disabled ? same : other)?.focus();
}

function drop(id, position) {
  removeExcerpt(id);
  const left = current().length;
  announce(t("basket_announce_removed", { count: left }));
  const rows = list.querySelectorAll(".basket-remove");
  (rows[Math.min(position, rows.length - 1)] || heading).focus();
}

function fileName(response, format) {
  const disposition = response.headers.get("Content-Disposition") || "";
  const found = /filename="([^"]+)"/.exec(disposition);
  return found ? found[1] : `${uiLang === "fr" ? "mes-extraits" : "my-excerpts"}.${format}`;
}

async function download(format) {
  const items = current();
  if (!items.length) return;
  problem.hidden = true;
  let response;
  try {
    response = await fetch("/api/export", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ passages: items.map((item) => item.id), format, lang: uiLang }),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    showProblem(t("error_unreachable"));
    return;
  }
  if (!response.ok) {
    let data = {};
    try {
      data = await response.json();
    } catch {
      // Not JSON: the generic message below.
    }
    goneIds = new Set(Array.isArray(data.missing) ? data.missing : []);
    refresh();
    showProblem(data.message || t("error_generic"));
    return;
  }
  goneIds = new Set();
  const blob = await response.blob();
  const link = element("a");
  link.href = URL.createObjectURL(blob);
  link.download = fileName(response, format);
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  announce(t("basket_announce_exported", { count: items.length }));
}

function showProblem(message) {
  problem.textContent = message;
  problem.hidden = false;
  announce(message);
}

// ---- "Add to my excerpts" on every passage card -----------------------------------------

/** Show whether the passage of an "add to my excerpts" button (class basket-toggle) is kept. */
export function showToggle(toggle) {
  const kept = inBasket(toggle.dataset.passageId);
  toggle.setAttribute("aria-pressed", kept ? "true" : "false");
  toggle.textContent = kept ? `✓ ${t("basket_added")}` : `+ ${t("basket_add")}`;
  toggle.title = kept ? t("basket_added_label") : t("basket_add");
  toggle.classList.toggle("done", kept);
}

registerCardAction((passage) => {
  const toggle = element("button", "action basket-toggle");
  toggle.type = "button";
  toggle.dataset.passageId = passage.id;
  toggle.addEventListener("click", () => {
    if (inBasket(passage.id)) {
      removeExcerpt(passage.id);
      announce(t("basket_announce_removed", { count: current().length }));
    } else {
      addExcerpt(passage);
      announce(t("basket_announce_added", { count: current().length }));
    }
  });
  showToggle(toggle);
  return toggle;
});

// Another tab changed the basket: show it here too.
window.addEventListener("storage", (event) => {
  if (event.key === KEY) {
    memory = loadBasket();
    refresh();
  }
});

refresh();
