// What the server put in the page: the interface language and the strings of both languages.

const data = JSON.parse(document.getElementById("client-data")?.textContent || "{}");

export const uiLang = data.lang || document.documentElement.lang || "fr";
export const maxK = data.maxK || 50;

/** Return a string of the interface (or of `lang`), with {name} placeholders filled. */
export function t(key, values = {}, lang = uiLang) {
  const table = (data.strings && (data.strings[lang] || data.strings[uiLang])) || {};
  const text = table[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/** Return the name of a language ("fr", "en") in the interface's language. */
export function languageName(code, lang = uiLang) {
  return t(`lang_${code}`, {}, lang);
}
