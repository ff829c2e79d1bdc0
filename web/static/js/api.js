// Talking to the JSON API. Other parts of the page may add fields to each question
// (sector or document filters) with registerRequestExtension.

import { errorMessage, limits, t } from "./client.js";

const extensions = [];

/** Add a function returning extra fields for POST /api/ask, e.g. () => ({sectors: ["police"]}). */
export function registerRequestExtension(extend) {
  extensions.push(extend);
}

/**
 * Ask a question; resolve to {answer} or {error: message}. `context` is the conversation's
 * earlier questions, oldest first: a follow-up ("and with schools?") is read with them.
 */
export async function ask(question, { context = [] } = {}) {
  const body = { question };
  if (limits.defaultK) body.k = limits.defaultK;
  const earlier = context.filter((text) => typeof text === "string" && text.trim()).slice(-(limits.maxContext || 0));
  if (earlier.length) body.context = earlier;
  for (const extend of extensions) Object.assign(body, extend() || {});
  let response;
  try {
    response = await fetch("/api/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    return { error: t("error_unreachable") };
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    return { error: t("error_generic") };
  }
  if (!response.ok) {
    return { error: errorMessage(data, { length: question.length, limit: limits.maxChars, count: question.length }) };
  }
  return { answer: data };
}

/**
 * Return how sure the answer is: "high", "medium" or "low". An answer from a server that
 * does not say yet is "high" when answerable, "low" when not.
 */
export function confidenceOf(answer) {
  if (["high", "medium", "low"].includes(answer?.confidence)) return answer.confidence;
  return answer?.answerable && answer.passages?.length ? "high" : "low";
}
