// Sector and document filters for the questions: sent with each POST /api/ask, kept in this tab.

import { registerRequestExtension } from "./api.js";
import { element } from "./cards.js";
import { languageName, t } from "./client.js";

const SECTORS = ["community", "institutional", "police", "school"];
const KEY = "assistant.filters.v1";

function loadChoice() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) || "{}");
    return {
      sectors: Array.isArray(saved.sectors) ? saved.sectors : [],
      documents: Array.isArray(saved.documents) ? saved.documents : [],
    };
  } catch {
    return { sectors: [], documents: [] };
  }
}

const choice = loadChoice();
const host = document.getElementById("filters");

function checked(name) {
  return [...host.querySelectorAll(`input[name="${name}"]:checked`)].map((input) => input.value);
}

function remember() {
  choice.sectors = checked("sector");
  choice.documents = checked("document");
  try {
    sessionStorage.setItem(KEY, JSON.stringify(choice));
  } catch {
    // Not kept across reloads; the filters still apply.
  }
  showCount();
}

let summaryCount;
let clearButton;

function showCount() {
  const count = choice.sectors.length + choice.documents.length;
  summaryCount.textContent = count ? ` — ${t("filters_active", { count })}` : "";
  clearButton.hidden = count === 0;
}

function checkbox(name, value, label, lang) {
  const wrapper = element("label", "filter-option");
  const input = element("input");
  input.type = "checkbox";
  input.name = name;
  input.value = value;
  input.checked = (name === "sector" ? choice.sectors : choice.documents).includes(value);
  input.addEventListener("change", remember);
  const text = element("span", "", label);
  if (lang) text.lang = lang;
  wrapper.append(input, text);
  return wrapper;
}

function group(legend, options, className) {
  const fieldset = element("fieldset", className);
  fieldset.append(element("legend", "", legend), ...options);
  return fieldset;
}

async function documentOptions() {
  try {
    const response = await fetch("/api/documents", { headers: { Accept: "application/json" } });
    if (!response.ok) return [];
    const data = await response.json();
    return data.documents.map((document) =>
      checkbox("document", document.id, `${document.title} (${languageName(document.lang)})`, document.lang),
    );
  } catch {
    return [];
  }
}

async function build() {
  if (!host) return;
  const details = element("details", "filters");
  const summary = element("summary", "", t("filters_heading"));
  summaryCount = element("span", "filters-count");
  summary.append(summaryCount);
  const sectors = group(
    t("filters_sectors"),
    SECTORS.map((sector) => checkbox("sector", sector, t(`sector_${sector}`))),
    "filter-sectors",
  );
  const documents = group(t("filters_documents"), await documentOptions(), "filter-documents");
  // Documents that left the index since the choice was made no longer filter anything.
  choice.documents = choice.documents.filter((id) => documents.querySelector(`input[value="${CSS.escape(id)}"]`));
  clearButton = element("button", "quiet", t("filters_clear"));
  clearButton.type = "button";
  clearButton.addEventListener("click", () => {
    for (const input of host.querySelectorAll("input[type=checkbox]")) input.checked = false;
    remember();
    summary.focus();
  });
  details.append(summary, sectors, documents, clearButton);
  details.open = choice.sectors.length + choice.documents.length > 0;
  host.replaceChildren(details);
  showCount();
}

registerRequestExtension(() => {
  const extra = {};
  if (choice.sectors.length) extra.sectors = [...choice.sectors];
  if (choice.documents.length) extra.documents = [...choice.documents];
  return extra;
});

build();
