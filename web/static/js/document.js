// The document view: highlight the passage named in the address (#p-<id>), bring it into
// view, and point the link to the other language's version at the same passage there.

const twinLinks = [...document.querySelectorAll("a.twin[data-doc]")];
const twinTops = new Map(twinLinks.map((link) => [link, link.getAttribute("href").split("#")[0]]));

function openedId() {
  try {
    const id = decodeURIComponent(window.location.hash.slice(1));
    return id.startsWith("p-") ? id.slice(2) : "";
  } catch {
    return ""; // a malformed address: nothing to highlight
  }
}

/** Point each "version in …" link at the opened passage's translation, or at the top. */
function pointTwins(anchor) {
  for (const link of twinLinks) {
    const top = twinTops.get(link);
    const same = anchor && anchor.dataset.twinDoc === link.dataset.doc && anchor.dataset.twin;
    link.setAttribute("href", same ? `${top}#p-${encodeURIComponent(anchor.dataset.twin)}` : top);
  }
}

function highlight() {
  for (const old of document.querySelectorAll(".seg.current")) old.classList.remove("current");
  const passageId = openedId();
  const segments = passageId
    ? [...document.querySelectorAll(".seg[data-passage]")].filter((segment) => segment.dataset.passage === passageId)
    : [];
  if (segments.length === 0) {
    pointTwins(null);
    return;
  }
  for (const segment of segments) segment.classList.add("current");
  const note = document.getElementById("passage-note");
  if (note) note.hidden = false;
  const anchor = document.getElementById(`p-${passageId}`) || segments[0];
  pointTwins(anchor);
  anchor.scrollIntoView({ block: "center" });
  anchor.focus({ preventScroll: true });
}

window.addEventListener("hashchange", highlight);
highlight();
