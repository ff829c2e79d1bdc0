// The conversation, kept in this browser tab only (sessionStorage): never sent to be stored.

const KEY = "assistant.conversation.v1";
const MOST_TURNS = 50;

/** Return a new id for a turn (it names the turn in the tab's history, never its text). */
export function newTurnId() {
  return `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** Return the turns saved in this tab, oldest first, each with an id. */
export function loadTurns() {
  try {
    const turns = JSON.parse(sessionStorage.getItem(KEY) || "[]");
    if (!Array.isArray(turns)) return [];
    return turns
      .filter((turn) => turn && typeof turn.question === "string")
      .map((turn, position) => (typeof turn.id === "string" ? turn : { ...turn, id: `old${position}` }));
  } catch {
    return [];
  }
}

/** Keep these turns (the most recent ones). */
export function saveTurns(turns) {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(turns.slice(-MOST_TURNS)));
  } catch {
    // Storage full or disabled: the conversation still shows, it just won't survive a reload.
  }
}

/** Forget the whole conversation. */
export function clearTurns() {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Nothing saved, nothing to clear.
  }
}
