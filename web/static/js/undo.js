// An undo bar: after emptying the basket or clearing the conversation, say what happened and
// offer to take it back for a few seconds (longer while the pointer or the keyboard is on it).

import { element } from "./cards.js";
import { t } from "./client.js";

const SHOWN_MS = 10_000;

let bar = null;
let timer = 0;

function ensureBar() {
  if (bar) return bar;
  bar = element("div", "undo-bar");
  bar.id = "undo-bar";
  bar.hidden = true;
  const text = element("p", "undo-text");
  text.setAttribute("role", "status");
  text.id = "undo-text";
  const undo = element("button", "undo-button", t("undo"));
  undo.type = "button";
  undo.setAttribute("aria-describedby", text.id);
  const close = element("button", "quiet undo-close", "×");
  close.type = "button";
  close.setAttribute("aria-label", t("close"));
  bar.append(text, undo, close);
  // Inside <main>, so every part of the page sits in a landmark.
  (document.querySelector("main") || document.body).append(bar);
  bar.addEventListener("pointerenter", () => window.clearTimeout(timer));
  bar.addEventListener("focusin", () => window.clearTimeout(timer));
  bar.addEventListener("pointerleave", () => schedule());
  bar.addEventListener("focusout", (event) => {
    if (!bar.contains(event.relatedTarget)) schedule();
  });
  return bar;
}

function schedule() {
  window.clearTimeout(timer);
  timer = window.setTimeout(() => hideUndo(), SHOWN_MS);
}

let returnFocus = null;

/** Hide the bar; the keyboard goes back where it was sent from if it was on the bar. */
export function hideUndo() {
  if (!bar || bar.hidden) return;
  const hadFocus = bar.contains(document.activeElement);
  window.clearTimeout(timer);
  bar.hidden = true;
  if (hadFocus) returnFocus?.focus();
}

/**
 * Show `message` with an "Undo" button calling `onUndo`; the keyboard moves to that button.
 * `focusAfter` receives the keyboard when the bar goes away.
 */
export function offerUndo(message, onUndo, focusAfter) {
  ensureBar();
  returnFocus = focusAfter || null;
  const [text, undo, close] = bar.children;
  text.textContent = "";
  // Set after the bar shows, so screen readers read the status region's new text.
  window.setTimeout(() => {
    text.textContent = message;
  }, 50);
  undo.onclick = () => {
    hideUndo();
    onUndo();
  };
  close.onclick = () => hideUndo();
  bar.hidden = false;
  undo.focus();
  if (!bar.contains(document.activeElement)) schedule();
}
