"""Which names the server answers to: the defence against DNS rebinding.

A page from rebind.example whose name is switched to 127.0.0.1 talks to this server from
the browser, with `Host: rebind.example`. So every request must name a host of this list:
the loopback names, the address the server listens on, and any `--allowed-host` given.
Nothing the server sends is built from the Host header either (links are relative or use
ASSISTANT_PUBLIC_URL).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import Flask, Response, current_app, jsonify, render_template, request

from assistant.messages import message
from assistant.web.i18n import page_context, request_language

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_PORT = re.compile(r":[0-9]*\Z")


def host_name(header: str) -> str:
    """Return the name of a Host header: lower case, without its port, brackets or final dot."""
    name = header.strip().lower()
    if name.startswith("["):  # [::1]:8000
        name = name[1:].partition("]")[0]
    elif name.count(":") == 1:  # localhost:8000 (a bare IPv6 address has several colons)
        name = _PORT.sub("", name)
    return name.rstrip(".")


def allowed_hosts(listen_host: str | None = None, extra: Iterable[str] = ()) -> frozenset[str]:
    """Return the names to answer to: loopback, the address listened on, and `extra`."""
    names = set(LOOPBACK_NAMES)
    for name in (listen_host, *extra):
        if name and name.strip():
            names.add(host_name(name))
    return frozenset(names)


def install_host_check(app: Flask) -> None:
    """Refuse, before anything else, every request whose Host is not in ALLOWED_HOSTS."""
    app.before_request(_check_host)


def host_allowed(header: str | None, allowed: frozenset[str]) -> bool:
    """Return whether a request's Host header names this server."""
    # HTTP/1.0 without Host: no browser sends that, so no page can rebind it
    return header is None or host_name(header) in allowed


def _check_host() -> Response | tuple[str, int] | None:
    if host_allowed(request.headers.get("Host"), current_app.config["ALLOWED_HOSTS"]):
        return None
    lang = request_language(request)
    text = message("host_not_allowed", lang)
    if request.path.startswith("/api/"):
        response = jsonify(error="host_not_allowed", message=text, status=400, lang=lang)
        response.status_code = 400
        return response
    context = page_context(request)
    return render_template("error.html", status=400, title=context["ui"]["error_title"], body=text, **context), 400
