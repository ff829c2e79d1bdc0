// A cited passage as a card. Other features add their own buttons to every card with
// registerCardAction (e.g. "add to basket"); buildPassageCard calls each registered factory.

import { languageName, t, uiLang } from "./client.js";

const actionFactories = [];

/**
 * Register a function (passage, card) => HTMLElement | null whose element is added to the
 * actions of every card built from now on (the passage is the API contract's object).
 */
export function registerCardAction(factory) {
  actionFactories.push(factory);
}

/** Return an element with a class and text (text is always set as text, never as HTML). */
export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

/** Return the passage's text as nodes, the highlighted spans wrapped in <mark>. */
export function highlightedText(text, spans = []) {
  const fragment = document.createDocumentFragment();
  let position = 0;
  const ordered = [...spans]
    .filter((span) => Array.isArray(span) && span.length === 2 && span[0] < span[1])
    .sort((a, b) => a[0] - b[0]);
  for (const [start, end] of ordered) {
    if (start < position || end > text.length) continue;
    if (start > position) fragment.append(text.slice(position, start));
    fragment.append(element("mark", "", text.slice(start, end)));
    position = end;
  }
  if (position < text.length) fragment.append(text.slice(position));
  return fragment;
}

/** Return the citation of a passage as plain text: the excerpt, then where it comes from. */
export function citationText(passage, lang = uiLang) {
  const excerpt = passage.text.replace(/\s+/g, " ").trim();
  const quoted = lang === "fr" ? `«\u00a0${excerpt}\u00a0»` : `“${excerpt}”`;
  const where = [passage.title, passage.section].filter(Boolean).join(", ");
  const origin = [passage.organisation, passage.year].filter(Boolean).join(", ");
  return `${quoted}\n— ${where}${origin ? `. ${origin}` : ""}.`;
}

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = element("textarea", "visually-hidden");
  area.value = text;
  document.body.append(area);
  area.select();
  const done = document.execCommand("copy");
  area.remove();
  if (!done) throw new Error("copy refused");
}

function badge(lang) {
  // The code for the eye, the language's name for screen readers (a bare span takes no aria-label).
  const node = element("span", "badge");
  node.title = languageName(lang);
  const code = element("span", "", lang.toUpperCase());
  code.setAttribute("aria-hidden", "true");
  node.append(code, element("span", "visually-hidden", languageName(lang)));
  return node;
}

function metaList(passage) {
  const list = element("dl", "meta");
  for (const [label, value] of [
    [t("section"), passage.section],
    [t("organisation"), passage.organisation],
  ]) {
    if (!value) continue;
    const row = element("div");
    row.append(element("dt", "", label), element("dd", "", value));
    list.append(row);
  }
  return list;
}

function translationBlock(translation) {
  const details = element("details", "translation");
  const summary = element("summary", "", t("translation", { language: languageName(translation.lang) }));
  const quote = element("blockquote", "excerpt");
  quote.lang = translation.lang;
  quote.append(highlightedText(translation.text));
  details.append(summary, quote);
  return details;
}

/**
 * Build the card of one cited passage. `announce(message)` tells screen readers about
 * what a button did (e.g. "Citation copied").
 */
export function buildPassageCard(passage, { number, announce = () => {} } = {}) {
  const card = element("article", "card");
  card.dataset.passageId = passage.id;
  const headingId = `card-${passage.id}-${number ?? 0}-${Math.random().toString(36).slice(2, 8)}`;
  card.setAttribute("aria-labelledby", headingId);

  const head = element("header", "card-head");
  const title = element("h4", "card-title", passage.title);
  title.id = headingId;
  title.lang = passage.lang;
  if (number) head.append(element("span", "number", t("passage_number", { number })));
  head.append(badge(passage.lang), title);

  const quote = element("blockquote", "excerpt");
  quote.lang = passage.lang;
  quote.cite = passage.url;
  quote.append(highlightedText(passage.text, passage.highlights));

  card.append(head, quote);
  if (passage.translation) card.append(translationBlock(passage.translation));
  card.append(metaList(passage));

  const actions = element("div", "actions");
  const context = element("a", "action", t("read_in_context"));
  context.href = passage.url;
  const copy = element("button", "action", t("copy_citation"));
  copy.type = "button";
  let restore = 0;
  copy.addEventListener("click", async () => {
    window.clearTimeout(restore);
    try {
      await copyText(citationText(passage));
      announce(t("copied"));
      // Seen as well as heard: the button says so for a few seconds.
      copy.textContent = `✓ ${t("copied_short")}`;
      copy.classList.add("done");
    } catch {
      announce(t("copy_failed"));
      copy.textContent = t("copy_failed");
    }
    restore = window.setTimeout(() => {
      copy.textContent = t("copy_citation");
      copy.classList.remove("done");
    }, 4000);
  });
  actions.append(context, copy);
  for (const factory of actionFactories) {
    const extra = factory(passage, card);
    if (extra) actions.append(extra);
  }
  card.append(actions);
  return card;
}
