// The document view: highlight the passage named in the address (#p-<id>) and bring it into view.

function highlight() {
  for (const old of document.querySelectorAll(".seg.current")) old.classList.remove("current");
  let id = "";
  try {
    id = decodeURIComponent(window.location.hash.slice(1));
  } catch {
    return; // a malformed address: nothing to highlight
  }
  if (!id.startsWith("p-")) return;
  const passageId = id.slice(2);
  const segments = [...document.querySelectorAll(".seg[data-passage]")].filter(
    (segment) => segment.dataset.passage === passageId,
  );
  if (segments.length === 0) return;
  for (const segment of segments) segment.classList.add("current");
  const note = document.getElementById("passage-note");
  if (note) note.hidden = false;
  const anchor = document.getElementById(id) || segments[0];
  anchor.scrollIntoView({ block: "center" });
  anchor.focus({ preventScroll: true });
}

window.addEventListener("hashchange", highlight);
highlight();
