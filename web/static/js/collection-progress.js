// The index update's progress: a status line announced when its stage changes, numbers and
// time left beside it, a progress bar, and the report once done (added, changed, removed,
// skipped with the reason).

import { formatNumber, t } from "./client.js";
import { call } from "./collection-api.js";

const status = document.getElementById("job-status");
const detail = document.getElementById("job-detail");
const bar = document.getElementById("job-progress");
const report = document.getElementById("job-report");
const EVERY = 700;

let followed = null;
let lastSaid = "";

function say(text) {
  if (text !== lastSaid) status.textContent = text;
  lastSaid = text;
}

function stageText(job) {
  if (job.state === "queued") return t("job_queued");
  if (job.stage === "reading") return t("job_reading", { done: formatNumber(job.files_read), total: formatNumber(job.files_total) });
  if (job.stage === "embedding") return t("job_embedding", { done: formatNumber(job.passages_embedded), total: formatNumber(job.passages_total) });
  if (job.stage === "saving") return t("job_saving");
  return t("job_running");
}

function fraction(job) {
  if (job.stage === "reading" && job.files_total) return 0.2 * (job.files_read / job.files_total);
  if (job.stage === "embedding" && job.passages_total) return 0.2 + 0.75 * (job.passages_embedded / job.passages_total);
  if (job.stage === "saving") return 0.95;
  return 0;
}

function showReport(done) {
  report.replaceChildren();
  const groups = [["added", done.added], ["changed", done.changed], ["removed", done.removed]];
  const list = document.createElement("dl");
  list.className = "report";
  let any = false;
  for (const [name, files] of groups) {
    if (!files?.length) continue;
    any = true;
    const term = document.createElement("dt");
    term.textContent = t(`report_${name}`);
    const value = document.createElement("dd");
    value.textContent = files.join(", ");
    list.append(term, value);
  }
  if (done.skipped?.length) {
    any = true;
    const term = document.createElement("dt");
    term.textContent = t("report_skipped");
    const value = document.createElement("dd");
    value.textContent = done.skipped.map((item) => `${item.file} (${item.reason})`).join("; ");
    list.append(term, value);
  }
  if (!any) {
    const nothing = document.createElement("p");
    nothing.textContent = t("report_nothing");
    report.append(nothing);
  } else {
    report.append(list);
  }
}

/** Show one status of a job; return whether it is finished. */
export function showJob(job) {
  if (job.state === "done") {
    bar.hidden = true;
    detail.textContent = "";
    say(t("job_done", { seconds: job.report ? formatNumber(job.report.seconds) : "?" }));
    if (job.report) showReport(job.report);
    return true;
  }
  if (job.state === "failed") {
    bar.hidden = true;
    detail.textContent = "";
    report.replaceChildren();
    say(t("job_failed", { error: job.error || "?" }));
    return true;
  }
  report.replaceChildren();
  say(job.state === "queued" ? t("job_queued") : t(`stage_${job.stage || "running"}`));
  bar.hidden = false;
  bar.value = fraction(job);
  const left = job.seconds_left != null && job.stage === "embedding" ? ` ${t("time_left", { seconds: formatNumber(Math.ceil(job.seconds_left)) })}` : "";
  detail.textContent = ["reading", "embedding"].includes(job.stage) ? stageText(job) + left : "";
  return false;
}

/** Follow a job until it is finished, then call onDone(job). A newer job replaces the one followed. */
export function follow(job, onDone) {
  followed = job.job_id;
  if (showJob(job)) {
    onDone(job);
    return;
  }
  const tick = async () => {
    if (followed !== job.job_id) return;
    const { data } = await call("GET", `/jobs/${encodeURIComponent(job.job_id)}`);
    if (followed !== job.job_id) return;
    if (data && showJob(data.job)) {
      followed = null;
      onDone(data.job);
      return;
    }
    window.setTimeout(tick, EVERY);
  };
  window.setTimeout(tick, EVERY);
}
