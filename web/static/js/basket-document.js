// The document view: "Add to my excerpts" for the passage opened from an answer (#p-<id>).

import { addExcerpt, inBasket, removeExcerpt, showToggle } from "./basket.js";
import { element } from "./cards.js";
import { t } from "./client.js";

const note = document.getElementById("passage-note");
const toggle = element("button", "action basket-toggle");
toggle.type = "button";
toggle.hidden = true;
note?.after(toggle);

function openedPassage() {
  try {
    const id = decodeURIComponent(window.location.hash.slice(1));
    if (!id.startsWith("p-")) return "";
    const passageId = id.slice(2);
    return document.querySelector(`.seg[data-passage="${CSS.escape(passageId)}"]`) ? passageId : "";
  } catch {
    return "";
  }
}

function show() {
  const passageId = openedPassage();
  toggle.hidden = !passageId;
  toggle.dataset.passageId = passageId;
  if (passageId) showToggle(toggle);
}

toggle.addEventListener("click", async () => {
  const passageId = toggle.dataset.passageId;
  if (!passageId) return;
  if (inBasket(passageId)) {
    removeExcerpt(passageId);
    return;
  }
  try {
    const response = await fetch(`/api/passages/${encodeURIComponent(passageId)}`, {
      headers: { Accept: "application/json" },
    });
    if (!response.ok) throw new Error(String(response.status));
    addExcerpt(await response.json());
  } catch {
    toggle.textContent = t("error_generic");
  }
});

window.addEventListener("hashchange", show);
show();
