// The chat page: ask, show each answer under its question, keep the conversation in this tab.
// Each question adds an entry to the tab's history (its number only, never its text), so Back
// and Forward move between answers.

import { ask } from "./api.js";
import { element } from "./cards.js";
import { formatNumber, limits, t } from "./client.js";
import { clearTurns, loadTurns, newTurnId, saveTurns } from "./store.js";
import { summary, turnItem } from "./turns.js";
import { offerUndo } from "./undo.js";

const form = document.getElementById("ask-form");
const input = document.getElementById("question");
const button = document.getElementById("ask-button");
const turns = document.getElementById("turns");
const status = document.getElementById("status");
const clear = document.getElementById("clear");
const starters = document.getElementById("starters");
const counter = document.getElementById("question-count");
const problem = document.getElementById("question-error");
// The limit the server enforces, written into the page by the server.
const maxChars = Number(input.dataset.maxChars) || limits.maxChars || Infinity;
// Where the chat page should come back to after "Read in context" (this tab only).
const RETURN_KEY = "assistant.return.v1";

/** Tell screen readers something short (the region is aria-live). */
function announce(message) {
  status.textContent = "";
  // A fresh text node after a tick makes repeated messages be read again.
  window.setTimeout(() => {
    status.textContent = message;
  }, 50);
}

function render(turn, position, all) {
  // The questions asked before this one in the conversation are not suggested again.
  const before = all ? all.slice(0, position) : loadTurns();
  const asked = before.filter((other) => other.id !== turn.id).map((other) => other.question);
  return turnItem(turn, { announce, onAsk: (question) => submit(question), asked });
}

/** Show "clear" once there is a conversation; the starter questions only before. */
function showClear() {
  clear.hidden = turns.children.length === 0;
  starters.hidden = turns.children.length > 0;
}

// ---- The question box: a visible counter near the limit, never a silent cut -------------

function tooLong() {
  return input.value.trim().length > maxChars;
}

function showCount() {
  const count = input.value.trim().length;
  const near = Number.isFinite(maxChars) && count >= maxChars * 0.8;
  counter.hidden = !near;
  counter.textContent = near ? t("question_counter", { count: formatNumber(count), limit: formatNumber(maxChars) }) : "";
  counter.classList.toggle("over", count > maxChars);
  if (count > maxChars) {
    input.setAttribute("aria-invalid", "true");
  } else {
    input.removeAttribute("aria-invalid");
    problem.hidden = true;
  }
}

function refuse(message) {
  problem.textContent = message;
  problem.hidden = false;
  announce(message);
  input.focus({ preventScroll: true });
}

// ---- Where the page is: history entries and scrolling ------------------------------------

function turnNode(id) {
  return id ? turns.querySelector(`li.turn[data-turn-id="${CSS.escape(id)}"]`) : null;
}

/** Bring a turn's question and answer into view and put the keyboard on its heading. */
function showTurn(node) {
  const heading = node.querySelector(".asked");
  node.scrollIntoView({ block: "start", behavior: "instant" });
  heading.focus({ preventScroll: true });
}

function showStart() {
  window.scrollTo({ top: 0, behavior: "instant" });
  input.focus({ preventScroll: true });
}

window.addEventListener("popstate", (event) => {
  const node = turnNode(event.state?.turn);
  if (node) showTurn(node);
  else showStart();
});

// ---- Asking ------------------------------------------------------------------------------

let busy = false;

async function submit(raw) {
  const question = raw.trim();
  if (busy) return;
  if (!question) {
    refuse(t("question_empty"));
    return;
  }
  if (question.length > maxChars) {
    refuse(t("question_too_long", { count: formatNumber(question.length), limit: formatNumber(maxChars) }));
    return;
  }
  problem.hidden = true;
  busy = true;
  button.disabled = true;
  turns.setAttribute("aria-busy", "true");
  // The conversation's earlier questions, so a follow-up ("and with schools?") is understood.
  const context = loadTurns()
    .filter((turn) => turn.answer)
    .map((turn) => turn.question);
  const id = newTurnId();
  const pending = render({ id, question });
  turns.append(pending);
  showClear();
  announce(t("searching"));
  const result = await ask(question, { context });
  const turn = result.answer ? { id, question, answer: result.answer } : { id, question, error: result.error };
  const done = render(turn);
  pending.replaceWith(done);
  saveTurns([...loadTurns(), turn]);
  turns.setAttribute("aria-busy", "false");
  button.disabled = false;
  busy = false;
  showClear();
  announce(turn.answer ? summary(turn.answer) : turn.error);
  if (turn.answer) {
    input.value = "";
    showCount();
  }
  // One history entry per question: Back comes back to the answer before.
  history.pushState({ turn: id }, "");
  showTurn(done);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  submit(input.value);
});

input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    submit(input.value);
  }
});
input.addEventListener("input", showCount);

for (const starter of starters.querySelectorAll(".starter")) {
  starter.addEventListener("click", () => submit(starter.dataset.question));
}

// ---- Clearing, with an undo --------------------------------------------------------------

clear.addEventListener("click", () => {
  const kept = loadTurns();
  clearTurns();
  turns.replaceChildren();
  showClear();
  announce(t("conversation_cleared"));
  offerUndo(
    t("conversation_cleared"),
    () => {
      saveTurns(kept);
      turns.replaceChildren(...kept.map(render));
      showClear();
      announce(t("restored"));
      const last = turns.lastElementChild;
      if (last) showTurn(last);
    },
    input,
  );
});

// ---- "Read in context" and back: the page returns to the passage that was opened ---------

turns.addEventListener("click", (event) => {
  const link = event.target.closest("a");
  const card = link?.closest(".card");
  const turn = link?.closest("li.turn");
  if (!link || !turn) return;
  try {
    sessionStorage.setItem(
      RETURN_KEY,
      JSON.stringify({ turn: turn.dataset.turnId, passage: card?.dataset.passageId || "", href: link.getAttribute("href") }),
    );
  } catch {
    // Not kept: coming back shows the page's top.
  }
});

function comeBack() {
  let target = null;
  try {
    target = JSON.parse(sessionStorage.getItem(RETURN_KEY) || "null");
    sessionStorage.removeItem(RETURN_KEY);
  } catch {
    return false;
  }
  const node = turnNode(target?.turn);
  if (!node) return false;
  const link = [...node.querySelectorAll("a")].find((candidate) => candidate.getAttribute("href") === target.href);
  const folded = link?.closest("details");
  if (folded) folded.open = true;
  const place = link?.closest(".card") || link || node;
  place.scrollIntoView({ block: "center", behavior: "instant" });
  (link || node.querySelector(".asked")).focus({ preventScroll: true });
  return true;
}

// Back to a page kept whole by the browser: the return target was not needed.
window.addEventListener("pageshow", (event) => {
  if (event.persisted) {
    try {
      sessionStorage.removeItem(RETURN_KEY);
    } catch {
      // Nothing kept.
    }
  }
});

// ---- Keep the pinned question box from hiding what has the keyboard ---------------------

const root = document.documentElement;
function pinHeight() {
  root.style.setProperty("--ask-height", `${Math.ceil(form.getBoundingClientRect().height)}px`);
}
new ResizeObserver(pinHeight).observe(form);
pinHeight();

// ---- Start: the tab's conversation, then where the person was ---------------------------

const saved = loadTurns();
turns.append(...saved.map(render));
showClear();
showCount();
if (!comeBack()) {
  const node = turnNode(history.state?.turn);
  if (node) showTurn(node);
}
// Used by the browser tests: the page has built its conversation.
document.body.dataset.ready = "chat";
