// The collection's routes, each write carrying the page's session token (its cookie is
// HttpOnly and SameSite=Strict; the server checks both, and the Origin).

import { errorMessage, t } from "./client.js";

const data = JSON.parse(document.getElementById("client-data")?.textContent || "{}");
const TOKEN_HEADER = "X-Assistant-Token";

/** Call a route; resolve to {data} or {error: message in the interface's language}. */
export async function call(method, path, body = null) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers[TOKEN_HEADER] = data.token || "";
  let payload = body;
  if (body && !(body instanceof FormData)) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`/api/collection${path}`, {
      method, headers, body: payload, credentials: "same-origin", cache: "no-store",
    });
  } catch {
    return { error: t("error_unreachable") };
  }
  let result = null;
  try {
    result = await response.json();
  } catch {
    return { error: t("error_generic") };
  }
  return response.ok ? { data: result } : { error: errorMessage(result) };
}

export const documentPath = (id) => `/documents/${id.split("/").map(encodeURIComponent).join("/")}`;
