"""Who may change the collection: only the assistant's own page, and only when writes are on.

A write (upload, replace, edit, remove, build) must prove it comes from the page itself:
- the session token the page was served with, in the `X-Assistant-Token` header (checked
  before an upload's body is read), equal to the `assistant_session` cookie (HttpOnly, SameSite=Strict,
  so a cross-site request never carries it, and no other site can read the page to learn it);
- an Origin header naming this very server (scheme, host and port), and Sec-Fetch-Site,
  when the browser sends it, saying "same-origin".
Writes can be turned off: `assistant serve --read-only`, the default when the server listens
beyond this computer unless an administrator token is set (ASSISTANT_ADMIN_TOKEN). With a
token set, the page asks for it once; the browser then holds a cookie derived from it and
from the session token, never the token itself.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import deque

from flask import Response, current_app, request

from assistant.web.errors import ApiError
from assistant.web.i18n import request_language

SESSION_COOKIE = "assistant_session"
ADMIN_COOKIE = "assistant_admin"
TOKEN_HEADER = "X-Assistant-Token"
ADMIN_TOKEN_ENV = "ASSISTANT_ADMIN_TOKEN"
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")
SESSION_SECONDS = 12 * 3600
# Wrong administrator tokens this process takes per minute before refusing every try for a while.
MAX_WRONG_TOKENS = 10
_wrong: deque[float] = deque()
_wrong_lock = threading.Lock()


def writes_read_only(host_is_loopback: bool, read_only: bool, admin_token: str | None) -> bool:
    """Return whether a server refuses every write: asked to, or shared on the network without a token."""
    return read_only or (not host_is_loopback and not admin_token)


def session_token() -> str:
    """Return this browser's session token, or a new one (set it with `set_session_cookie`)."""
    held = request.cookies.get(SESSION_COOKIE, "")
    return held if _TOKEN_SHAPE.fullmatch(held) else secrets.token_urlsafe(32)


def set_session_cookie(response: Response, token: str) -> Response:
    """Give the browser its session token in a cookie only this site's own requests carry."""
    response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_SECONDS, httponly=True, samesite="Strict",
                        secure=request.is_secure, path="/")
    return response


def _admin_proof(admin_token: str, session: str) -> str:
    return hmac.new(admin_token.encode("utf-8"), session.encode("ascii"), hashlib.sha256).hexdigest()


def admin_token() -> str | None:
    """Return the administrator token this server was given, or None."""
    return current_app.config.get("ADMIN_TOKEN") or None


def read_only() -> bool:
    """Return whether this server refuses every write."""
    return bool(current_app.config.get("READ_ONLY"))


def unlocked() -> bool:
    """Return whether this browser may write as far as the administrator token goes."""
    token = admin_token()
    if token is None:
        return True
    session = request.cookies.get(SESSION_COOKIE, "")
    proof = request.cookies.get(ADMIN_COOKIE, "")
    return bool(session) and hmac.compare_digest(proof, _admin_proof(token, session))


def _same_origin() -> bool:
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site != "same-origin":
        return False
    origin = request.headers.get("Origin", "")
    return bool(origin) and origin == f"{request.scheme}://{request.host}"


def _token_matches() -> bool:
    cookie = request.cookies.get(SESSION_COOKIE, "")
    given = request.headers.get(TOKEN_HEADER, "")
    return bool(_TOKEN_SHAPE.fullmatch(cookie)) and hmac.compare_digest(cookie.encode(), given.encode())


def check_page_request(lang: str | None = None) -> None:
    """Refuse (403) a request that does not come from this server's own page in this browser."""
    lang = lang or request_language(request)
    if not _same_origin() or not _token_matches():
        raise ApiError(403, "write_forbidden", lang)


def check_write(lang: str | None = None) -> None:
    """Refuse (403) a write when writes are off, when it is not the page's own, or before the admin unlock."""
    lang = lang or request_language(request)
    if read_only():
        raise ApiError(403, "collection_read_only", lang)
    check_page_request(lang)
    if not unlocked():
        raise ApiError(403, "admin_required", lang)


def too_many_wrong_tokens() -> bool:
    """Return whether MAX_WRONG_TOKENS wrong administrator tokens were given in the last minute."""
    with _wrong_lock:
        while _wrong and _wrong[0] < time.monotonic() - 60:
            _wrong.popleft()
        return len(_wrong) >= MAX_WRONG_TOKENS


def unlock(response: Response, password: str) -> bool:
    """Set the admin cookie when the password is the administrator token; return whether it was."""
    token = admin_token()
    session = request.cookies.get(SESSION_COOKIE, "")
    if token is None or not session or not hmac.compare_digest(password.encode("utf-8"), token.encode("utf-8")):
        with _wrong_lock:
            _wrong.append(time.monotonic())
        return False
    response.set_cookie(ADMIN_COOKIE, _admin_proof(token, session), max_age=SESSION_SECONDS, httponly=True,
                        samesite="Strict", secure=request.is_secure, path="/")
    return True
