// What the server put in the page: the interface language, the strings of both languages,
// the error messages, and the limits the API enforces (never copied here).

const data = JSON.parse(document.getElementById("client-data")?.textContent || "{}");

export const uiLang = data.lang || document.documentElement.lang || "fr";
/** The API's limits: {maxChars, maxK, defaultK} (absent on pages that ask nothing). */
export const limits = data.limits || {};
/** The starter questions, each {lang, text, passages: [ids of its best passages]}. */
export const starterQuestions = Array.isArray(data.starters) ? data.starters : [];

function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/** Return a string of the interface (or of `lang`), with {name} placeholders filled. */
export function t(key, values = {}, lang = uiLang) {
  const table = (data.strings && (data.strings[lang] || data.strings[uiLang])) || {};
  return fill(table[key] ?? key, values);
}

/**
 * Return an API error's message in the interface's language: the server words it in the
 * question's language, which may not be the one the person reads the page in.
 */
export function errorMessage(body, values = {}) {
  if (!body || typeof body !== "object") return t("error_generic");
  if (body.lang === uiLang && body.message) return body.message;
  const template = data.errors?.[uiLang]?.[body.error];
  if (template) {
    const text = fill(template, values);
    if (!/\{\w+\}/.test(text)) return text;
  }
  return t("error_generic");
}

/** Return a whole number written the interface's way (2 000 in French, 2,000 in English). */
export function formatNumber(value) {
  return new Intl.NumberFormat(uiLang === "fr" ? "fr-CA" : "en-CA").format(value);
}

/** Return the name of a language ("fr", "en") in the interface's language. */
export function languageName(code, lang = uiLang) {
  return t(`lang_${code}`, {}, lang);
}
