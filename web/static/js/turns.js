// One turn of the conversation as the page shows it: the question (folded when long), how
// strong the match is, what the question was understood as, the cited passages, and where
// to read on (sections of the cited passages, starter questions close to the answer).

import { confidenceOf } from "./api.js";
import { buildPassageCard, element } from "./cards.js";
import { starterQuestions, t, uiLang } from "./client.js";

// A question longer than this (or of more lines) is folded to a few lines, with a button.
const FOLD_CHARS = 240;
const FOLD_LINES = 3;
const MOST_SECTIONS = 4;
const MOST_QUESTIONS = 3;

function passageList(passages, announce) {
  const list = element("ol", "passages");
  passages.forEach((passage, position) => {
    const item = element("li");
    item.append(buildPassageCard(passage, { number: position + 1, announce }));
    list.append(item);
  });
  return list;
}

function flat(text) {
  return (text || "").replace(/\s+/g, " ").trim().toLocaleLowerCase();
}

/** Return the summary of an answer, to show and to announce, in the interface's language. */
export function summary(answer) {
  const level = answer.passages?.length ? confidenceOf(answer) : "low";
  if (level === "low") return `${t("confidence_low")}.`;
  const count = answer.passages.length === 1 ? t("found_one") : t("found", { count: answer.passages.length });
  return `${t(`confidence_${level}`)} — ${count}`;
}

function confidenceLine(answer, level) {
  const line = element("p", `confidence confidence-${level}`);
  line.append(element("strong", "", t(`confidence_${level}`)));
  const count = answer.passages.length === 1 ? t("found_one") : t("found", { count: answer.passages.length });
  line.append(` — ${count}`);
  return line;
}

function understoodAs(answer, question) {
  const searched = answer.understood_as;
  if (typeof searched !== "string" || !searched.trim() || flat(searched) === flat(question)) return null;
  const line = element("p", "understood");
  line.append(`${t("understood_as")} `);
  const quoted = element("q", "", searched);
  quoted.lang = answer.lang || "";
  line.append(quoted);
  return line;
}

/** Return the sections of the cited passages (or their documents) as links, best first. */
function sectionLinks(passages) {
  const seen = new Set();
  const links = [];
  for (const passage of passages) {
    const name = passage.section || passage.title;
    const key = `${passage.doc_id}\u0000${name}`;
    if (!name || seen.has(key)) continue;
    seen.add(key);
    const link = element("a", "related-link", name);
    link.href = passage.url;
    link.lang = passage.lang;
    if (passage.section) link.title = passage.title;
    links.push(link);
    if (links.length === MOST_SECTIONS) break;
  }
  return links;
}

/**
 * Return the starter questions closest to an answer: those whose own best passages overlap
 * the answer's most (a passage ranked higher weighs more), in the interface's language.
 */
export function closestStarters(answer, question, asked = []) {
  const ranks = new Map();
  (answer.passages || []).forEach((passage, position) => {
    const weight = 1 / (position + 1);
    for (const id of [passage.id, passage.translation?.id]) {
      if (id && !ranks.has(id)) ranks.set(id, weight);
    }
  });
  // Not the question itself, nor one the conversation has asked already.
  const done = new Set([question, ...asked].map(flat));
  const candidates = starterQuestions.filter((starter) => starter.lang === uiLang && !done.has(flat(starter.text)));
  const scored = candidates.map((starter, order) => {
    const mine = Array.isArray(starter.passages) ? starter.passages : [];
    const score = mine.reduce((sum, id, position) => sum + (ranks.get(id) || 0) / (1 + position / 10), 0);
    return { starter, score, order };
  });
  scored.sort((a, b) => b.score - a.score || a.order - b.order);
  const close = scored.filter((entry) => entry.score > 0).slice(0, MOST_QUESTIONS);
  // Always two at least, so a new worker has somewhere to go on from.
  for (const entry of scored) {
    if (close.length >= 2) break;
    if (!close.includes(entry)) close.push(entry);
  }
  return close.map((entry) => entry.starter);
}

function relatedReading(answer, question, level, onAsk, asked) {
  const block = element("div", "related");
  const links = level === "low" ? [] : sectionLinks(answer.passages);
  if (links.length) {
    block.append(element("p", "related-label", t("related_sections")));
    const list = element("ul", "related-sections");
    for (const link of links) {
      const item = element("li");
      item.append(link);
      list.append(item);
    }
    block.append(list);
  }
  const starters = closestStarters(answer, question, asked);
  if (starters.length) {
    block.append(element("p", "related-label", t("related_questions")));
    const list = element("ul", "related-questions");
    for (const starter of starters) {
      const item = element("li");
      const button = element("button", "starter related-question", starter.text);
      button.type = "button";
      button.lang = starter.lang;
      button.addEventListener("click", () => onAsk(starter.text));
      item.append(button);
      list.append(item);
    }
    block.append(list);
  }
  return block.children.length ? block : null;
}

function answerBlock(answer, question, { announce, onAsk, asked }) {
  const block = element("div", "answer");
  const understood = understoodAs(answer, question);
  if (understood) block.append(understood);
  const passages = Array.isArray(answer.passages) ? answer.passages : [];
  const level = passages.length ? confidenceOf(answer) : "low";
  if (level === "low") {
    // Never "5 passages found" here: the passages are offered, folded, as the closest ones.
    const none = element("div", "no-answer");
    none.append(element("p", "", ""), element("p", "", t("rephrase")));
    none.firstChild.append(element("strong", "", `${t("confidence_low")}.`));
    block.append(none);
    if (passages.length) {
      const closest = element("details", "closest");
      closest.append(element("summary", "", t("closest")), passageList(passages, announce));
      block.append(closest);
    }
  } else {
    block.append(confidenceLine(answer, level), passageList(passages, announce));
  }
  const related = relatedReading({ ...answer, passages }, question, level, onAsk, asked);
  if (related) block.append(related);
  return block;
}

function questionHeading(turn) {
  const heading = element("h3", "asked");
  heading.tabIndex = -1;
  heading.append(element("span", "visually-hidden", `${t("you_asked")} `));
  const question = element("q", "asked-text", turn.question);
  if (turn.answer?.lang) question.lang = turn.answer.lang;
  heading.append(question);
  return heading;
}

function foldButton(heading, textId) {
  heading.classList.add("folded");
  const button = element("button", "quiet fold", t("unfold_question"));
  button.type = "button";
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", textId);
  button.addEventListener("click", () => {
    const folded = heading.classList.toggle("folded");
    button.setAttribute("aria-expanded", folded ? "false" : "true");
    button.textContent = t(folded ? "unfold_question" : "fold_question");
  });
  return button;
}

/**
 * Return the <li> of a turn ({id, question, answer} or {id, question, error}, or pending).
 * `onAsk(question)` asks one of the suggested questions; `asked` are the conversation's
 * earlier questions (not suggested again).
 */
export function turnItem(turn, { announce = () => {}, onAsk = () => {}, asked = [] } = {}) {
  const item = element("li", "turn");
  if (turn.id) item.dataset.turnId = turn.id;
  const heading = questionHeading(turn);
  item.append(heading);
  const long = turn.question.length > FOLD_CHARS || turn.question.split("\n").length > FOLD_LINES;
  if (long) {
    const text = heading.querySelector(".asked-text");
    text.id = `question-${turn.id || Math.random().toString(36).slice(2, 8)}`;
    item.append(foldButton(heading, text.id));
  }
  if (turn.answer) item.append(answerBlock(turn.answer, turn.question, { announce, onAsk, asked }));
  else if (turn.error) item.append(element("p", "error", turn.error));
  else item.append(element("p", "pending", t("searching")));
  return item;
}
