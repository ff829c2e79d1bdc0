// The manifest fields a citation needs (title, language, organisation, kind, source, year,
// sectors, "translation of"), as one labelled group of inputs, and their values read back.

import { t } from "./client.js";

const TEXT_FIELDS = [
  ["title", "text", 300],
  ["organisation", "text", 300],
  ["kind", "text", 100],
  ["source", "text", 500],
];

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

function row(prefix, name, control) {
  const wrap = element("div", { class: "field" });
  control.id = `${prefix}-${name}`;
  control.name = name;
  wrap.append(element("label", { for: control.id }, t(`field_${name}`)), control);
  return wrap;
}

function select(options, chosen) {
  const node = element("select");
  for (const [value, label] of options) {
    const option = element("option", { value }, label);
    if (value === (chosen ?? "")) option.selected = true;
    node.append(option);
  }
  return node;
}

/**
 * Return a fieldset of the fields, filled with `values` ({title, lang, sectors: [...], …}).
 * `documents` are the collection's documents, offered as "translation of" (except `selfId`).
 */
export function fieldsGroup(prefix, values, { documents = [], sectors = [], selfId = null, legend = "" } = {}) {
  const group = element("fieldset", { class: "fields" });
  if (legend) group.append(element("legend", { class: "visually-hidden" }, legend));
  for (const [name, type, max] of TEXT_FIELDS) {
    const input = element("input", { type, maxlength: String(max), autocomplete: "off" });
    input.value = values[name] ?? "";
    group.append(row(prefix, name, input));
  }
  group.append(row(prefix, "lang", select([["", t("auto_option")], ["fr", t("lang_fr")], ["en", t("lang_en")]], values.lang)));
  const year = element("input", { type: "number", min: "1900", max: String(new Date().getFullYear() + 1), step: "1", inputmode: "numeric" });
  year.value = values.year ?? "";
  group.append(row(prefix, "year", year));
  const sectorSet = element("fieldset", { class: "sectors" });
  sectorSet.append(element("legend", {}, t("field_sectors")));
  for (const sector of sectors) {
    const label = element("label", { class: "check" });
    const box = element("input", { type: "checkbox", name: "sectors", value: sector });
    box.checked = (values.sectors || []).includes(sector);
    label.append(box, document.createTextNode(` ${t(`sector_${sector}`)}`));
    sectorSet.append(label);
  }
  group.append(sectorSet);
  const others = documents.filter((document) => document.id !== selfId && document.state !== "missing");
  const options = [["", t("none_option")], ...others.map((document) => [document.id, document.fields.title || document.file])];
  group.append(row(prefix, "translation_of", select(options, values.translation_of)));
  return group;
}

/** Return the fields of a group as the API takes them ("" for an emptied field, sectors as a list). */
export function readFields(group) {
  const fields = {};
  for (const control of group.querySelectorAll("input[name]:not([type=checkbox]), select[name]")) {
    fields[control.name] = control.value.trim();
  }
  fields.sectors = [...group.querySelectorAll("input[name=sectors]:checked")].map((box) => box.value);
  return fields;
}
