// The conversation, kept in this browser tab only (sessionStorage): never sent to be stored.

const KEY = "assistant.conversation.v1";
const MOST_TURNS = 50;

/** Return the turns saved in this tab, oldest first. */
export function loadTurns() {
  try {
    const turns = JSON.parse(sessionStorage.getItem(KEY) || "[]");
    return Array.isArray(turns) ? turns.filter((turn) => turn && typeof turn.question === "string") : [];
  } catch {
    return [];
  }
}

/** Add one turn ({question, answer} or {question, error}) and keep the most recent ones. */
export function saveTurn(turn) {
  const turns = [...loadTurns(), turn].slice(-MOST_TURNS);
  try {
    sessionStorage.setItem(KEY, JSON.stringify(turns));
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
