// The collection page: choose or drop files and describe them, see every document's state,
// correct its fields, replace its file, remove it; follow the index update that follows.

import { formatNumber, t } from "./client.js";
import { call, documentPath } from "./collection-api.js";
import { fieldsGroup, readFields } from "./collection-fields.js";
import { follow } from "./collection-progress.js";

const data = JSON.parse(document.getElementById("client-data")?.textContent || "{}");
const limits = data.limits || {};
const sectors = data.sectors || [];
let state = data.state || { documents: [] };
let pending = [];
let counter = 0;

const alertBox = document.getElementById("collection-alert");
const announce = document.getElementById("collection-announce");
const list = document.getElementById("collection-list");
const pendingList = document.getElementById("pending");
const sendButton = document.getElementById("send");
const buildNow = document.getElementById("build-now");

function problem(text) {
  alertBox.textContent = text;
}

function tell(text) {
  alertBox.textContent = "";
  announce.textContent = text;
}

const writable = () => state.available && !state.read_only && !state.admin_required;
const nameOf = (document) => document.fields?.title || document.file;
const megabytes = (size) => formatNumber(Math.round((size / 1000000) * 10) / 10);

function showMode() {
  document.getElementById("unlock").hidden = !(state.available && !state.read_only && state.admin_required);
  for (const node of document.querySelectorAll(".writes")) node.hidden = !writable();
}

function stateText(document) {
  if (document.state === "indexed") return t("state_indexed", { count: formatNumber(document.passages) });
  if (document.state === "skipped") return t("state_skipped", { reason: document.reason || "?" });
  return t(`state_${document.state}`);
}

function item(document, number) {
  const node = Object.assign(window.document.createElement("li"), { className: "collection-item" });
  node.dataset.id = document.id;
  const title = Object.assign(window.document.createElement("h3"), { className: "item-title", textContent: nameOf(document) });
  const file = Object.assign(window.document.createElement("p"), { className: "item-file" });
  file.textContent = `${t("file_label")}${data.lang === "fr" ? "\u202f: " : ": "}${document.file}`;
  const badge = Object.assign(window.document.createElement("p"), { className: `state state-${document.state}`, textContent: stateText(document) });
  node.append(title, file, badge);
  if (!writable() || document.state === "missing") {
    if (writable()) node.append(removeButton(document));
    return node;
  }
  const details = window.document.createElement("details");
  details.className = "edit";
  const summary = Object.assign(window.document.createElement("summary"), { textContent: t("edit") });
  const form = window.document.createElement("form");
  const group = fieldsGroup(`d${number}`, document.fields || {}, { documents: state.documents, sectors, selfId: document.id, legend: nameOf(document) });
  const save = Object.assign(window.document.createElement("button"), { type: "submit", textContent: t("save") });
  form.append(group, save);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (save.dataset.busy) return; // not disabled: a disabled button would lose the focus
    save.dataset.busy = "1";
    const { data: result, error } = await call("PATCH", documentPath(document.id), readFields(group));
    delete save.dataset.busy;
    if (error) return problem(error);
    tell(t("saved", { name: nameOf(result.document) }));
    changed(result.job);
  });
  details.append(summary, form);
  const actions = Object.assign(window.document.createElement("div"), { className: "item-actions" });
  const replaceWrap = Object.assign(window.document.createElement("div"), { className: "field" });
  const replaceInput = Object.assign(window.document.createElement("input"), { type: "file", id: `replace-${number}`, accept: `.${document.file.split(".").pop()}` });
  const replaceLabel = Object.assign(window.document.createElement("label"), { htmlFor: replaceInput.id, textContent: t("replace_label", { name: nameOf(document) }) });
  replaceInput.addEventListener("change", () => replaceFile(document, replaceInput));
  replaceWrap.append(replaceLabel, replaceInput);
  actions.append(replaceWrap, removeButton(document));
  node.append(details, actions);
  return node;
}

function removeButton(document) {
  const button = Object.assign(window.document.createElement("button"), { type: "button", className: "danger" });
  button.append(t("remove_document"), Object.assign(window.document.createElement("span"), { className: "visually-hidden", textContent: ` ${nameOf(document)}` }));
  button.addEventListener("click", async () => {
    if (button.dataset.busy || !window.confirm(t("remove_confirm", { name: nameOf(document) }))) return;
    button.dataset.busy = "1";
    const { data: result, error } = await call("DELETE", documentPath(document.id));
    delete button.dataset.busy;
    if (error) return problem(error);
    tell(t("removed", { name: nameOf(document) }));
    changed(result.job);
  });
  return button;
}

async function replaceFile(document, input) {
  const file = input.files[0];
  if (!file || !checkSize(file)) return;
  const form = new FormData();
  form.append("file", file, file.name);
  const { data: result, error } = await call("PUT", `${documentPath(document.id)}/file`, form);
  input.value = "";
  if (error) return problem(error);
  tell(t("replaced", { name: nameOf(document) }));
  changed(result.job);
}

function render() {
  showMode();
  document.getElementById("list-heading").textContent = t("list_heading", { count: formatNumber(state.documents.length) });
  list.replaceChildren(...state.documents.map((document, number) => item(document, number)));
}

async function refresh() {
  const { data: fresh, error } = await call("GET", "");
  if (error) return problem(error);
  const open = [...list.querySelectorAll("details[open]")].map((node) => node.closest("li").dataset.id);
  // Keep the focus where it was when the list is drawn again; on the list's heading when its element is gone.
  const focused = list.contains(document.activeElement) ? document.activeElement : null;
  const place = focused && { id: focused.closest("li").dataset.id, selector: focused.id ? `#${CSS.escape(focused.id)}` : focused.tagName.toLowerCase() + (focused.className ? `.${focused.className.split(" ")[0]}` : "") };
  state = fresh;
  render();
  for (const id of open) list.querySelector(`li[data-id="${CSS.escape(id)}"] details`)?.setAttribute("open", "");
  if (place) {
    const again = list.querySelector(`li[data-id="${CSS.escape(place.id)}"] ${place.selector}`);
    (again || document.getElementById("list-heading")).focus();
  }
}

function changed(job) {
  refresh();
  if (job) follow(job, () => refresh());
}

function checkSize(file) {
  if (file.size <= limits.maxFileBytes) return true;
  problem(t("file_too_big", { name: file.name, size: megabytes(file.size), limit: megabytes(limits.maxFileBytes) }));
  return false;
}

function renderPending() {
  document.getElementById("pending-heading").textContent = t("pending_heading", { count: pending.length });
  document.getElementById("pending-none").hidden = pending.length > 0;
  sendButton.disabled = pending.length === 0;
}

function choose(files) {
  const chosen = [...files];
  if (pending.length + chosen.length > limits.maxFiles) return problem(t("too_many_files", { count: limits.maxFiles }));
  alertBox.textContent = "";
  for (const file of chosen) {
    if (!checkSize(file)) continue;
    const id = `p${counter++}`;
    const node = Object.assign(document.createElement("li"), { className: "pending-item" });
    node.append(Object.assign(document.createElement("h4"), { textContent: file.name }));
    const group = fieldsGroup(id, {}, { documents: state.documents, sectors, legend: file.name });
    const cancel = Object.assign(document.createElement("button"), { type: "button", className: "quiet", textContent: t("cancel_file", { name: file.name }) });
    cancel.addEventListener("click", () => {
      pending = pending.filter((entry) => entry.id !== id);
      node.remove();
      renderPending();
      document.getElementById("files").focus();
    });
    node.append(group, cancel);
    pendingList.append(node);
    pending.push({ id, file, group, node });
  }
  renderPending();
}

async function send(event) {
  event.preventDefault();
  sendButton.disabled = true;
  let job = null;
  let added = 0;
  const batch = [...pending];
  for (const [number, entry] of batch.entries()) {
    announce.textContent = t("sending", { name: entry.file.name });
    const form = new FormData();
    form.append("file", entry.file, entry.file.name);
    const fields = readFields(entry.group);
    for (const [name, value] of Object.entries(fields)) {
      if (name === "sectors") for (const sector of value) form.append("sectors", sector);
      else if (value) form.append(name, value);
    }
    // One index update for the whole batch: asked for with the last file.
    const last = number === batch.length - 1;
    const { data: result, error } = await call("POST", last ? "/documents" : "/documents?build=0", form);
    if (error) {
      problem(`${entry.file.name}${data.lang === "fr" ? "\u202f: " : ": "}${error}`);
      break;
    }
    tell(t("sent", { name: entry.file.name }));
    pending = pending.filter((other) => other !== entry);
    entry.node.remove();
    added += 1;
    job = result.job;
  }
  renderPending();
  if (!job && added) job = (await call("POST", "/build")).data?.job;
  if (job) changed(job);
  else refresh();
}

// Files dropped anywhere on the page are added (never opened by the browser in place of the page).
const drop = document.getElementById("drop");
document.addEventListener("dragover", (event) => {
  event.preventDefault();
  drop.classList.toggle("over", writable() && drop.contains(event.target));
});
document.addEventListener("dragleave", () => drop.classList.remove("over"));
document.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  if (writable() && event.dataTransfer?.files?.length) choose(event.dataTransfer.files);
});
document.getElementById("files").addEventListener("change", (event) => {
  choose(event.target.files);
  event.target.value = "";
});
document.getElementById("pending-form").addEventListener("submit", send);
buildNow.addEventListener("click", async () => {
  const { data: result, error } = await call("POST", "/build");
  if (error) return problem(error);
  changed(result.job);
});
document.getElementById("unlock-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const password = document.getElementById("unlock-password");
  const { error } = await call("POST", "/unlock", { password: password.value });
  password.value = "";
  if (error) return problem(error);
  await refresh();
  alertBox.textContent = "";
});

render();
renderPending();
if (state.job && !["done", "failed"].includes(state.job.state)) follow(state.job, () => refresh());
