// Talking to the JSON API. Other parts of the page may add fields to each question
// (sector or document filters) with registerRequestExtension.

import { t } from "./client.js";

const extensions = [];

/** Add a function returning extra fields for POST /api/ask, e.g. () => ({sectors: ["police"]}). */
export function registerRequestExtension(extend) {
  extensions.push(extend);
}

/** Ask a question; resolve to {answer} or {error: message}. */
export async function ask(question, k = 5) {
  const body = { question, k };
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
  if (!response.ok) return { error: (data && data.message) || t("error_generic") };
  return { answer: data };
}
