// The chat page: ask, show each answer as cited passages, keep the conversation in this tab.

import { ask } from "./api.js";
import { buildPassageCard, element } from "./cards.js";
import { t } from "./client.js";
import { clearTurns, loadTurns, saveTurn } from "./store.js";

const form = document.getElementById("ask-form");
const input = document.getElementById("question");
const button = document.getElementById("ask-button");
const turns = document.getElementById("turns");
const status = document.getElementById("status");
const clear = document.getElementById("clear");

/** Tell screen readers something short (the region is aria-live). */
function announce(message) {
  status.textContent = "";
  // A fresh text node after a tick makes repeated messages be read again.
  window.setTimeout(() => {
    status.textContent = message;
  }, 50);
}

function passageList(passages) {
  const list = element("ol", "passages");
  passages.forEach((passage, position) => {
    const item = element("li");
    item.append(buildPassageCard(passage, { number: position + 1, announce }));
    list.append(item);
  });
  return list;
}

/** Return the summary to announce for an answer, in the question's language when no answer. */
function summary(answer) {
  if (!answer.answerable || answer.passages.length === 0) return t("no_answer", {}, answer.lang);
  return answer.passages.length === 1 ? t("found_one") : t("found", { count: answer.passages.length });
}

function answerBlock(answer) {
  const block = element("div", "answer");
  if (!answer.answerable || answer.passages.length === 0) {
    // Said in the language of the question: that is the language the person is using.
    const none = element("div", "no-answer");
    none.lang = answer.lang;
    none.append(element("p", "", t("no_answer", {}, answer.lang)), element("p", "", t("rephrase", {}, answer.lang)));
    block.append(none);
    if (answer.passages.length) {
      const closest = element("details", "closest");
      closest.append(element("summary", "", t("closest")), passageList(answer.passages));
      block.append(closest);
    }
    return block;
  }
  block.append(element("p", "found", summary(answer)), passageList(answer.passages));
  return block;
}

function turnItem(turn) {
  const item = element("li", "turn");
  const asked = element("h3", "asked");
  asked.append(element("span", "visually-hidden", `${t("you_asked")} `));
  const question = element("q", "", turn.question);
  if (turn.answer) question.lang = turn.answer.lang;
  asked.append(question);
  item.append(asked);
  if (turn.answer) item.append(answerBlock(turn.answer));
  else if (turn.error) item.append(element("p", "error", turn.error));
  else item.append(element("p", "pending", t("searching")));
  return item;
}

const starters = document.getElementById("starters");

/** Show "clear" once there is a conversation; the starter questions only before. */
function showClear() {
  clear.hidden = turns.children.length === 0;
  starters.hidden = turns.children.length > 0;
}

async function submit(question) {
  question = question.trim();
  if (!question || button.disabled) return;
  button.disabled = true;
  turns.setAttribute("aria-busy", "true");
  const pending = turnItem({ question });
  turns.append(pending);
  announce(t("searching"));
  const result = await ask(question);
  const turn = result.answer ? { question, answer: result.answer } : { question, error: result.error };
  const done = turnItem(turn);
  pending.replaceWith(done);
  saveTurn(turn);
  turns.setAttribute("aria-busy", "false");
  button.disabled = false;
  showClear();
  announce(turn.answer ? summary(turn.answer) : turn.error);
  done.scrollIntoView({ block: "start", behavior: "smooth" });
  if (turn.answer) input.value = "";
  input.focus();
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

for (const starter of document.querySelectorAll(".starter")) {
  starter.addEventListener("click", () => {
    input.value = starter.dataset.question;
    submit(starter.dataset.question);
  });
}

clear.addEventListener("click", () => {
  clearTurns();
  turns.replaceChildren();
  showClear();
  input.focus();
});

for (const turn of loadTurns()) turns.append(turnItem(turn));
showClear();
