"""Security headers on every response.

One strict Content-Security-Policy for the whole app: scripts only from us and the pinned htmx
file (no inline script, no eval), nothing framed, and `frame-ancestors` = the allowed origins of
the workspace whose panel this is ('none' otherwise). A blueprint that needs something else (the
sandbox's consent page, the demo CRM page that frames panels) registers its differences with
`register_csp` instead of special cases here.
"""

from collections.abc import Mapping

from flask import Flask, Response, g, request

from widget import assets

BASE_POLICY: dict[str, str] = {
    "default-src": "'none'",
    "script-src": " ".join(("'self'", *assets.SCRIPT_SOURCES)),
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
}

#: blueprint name -> directives that replace the base ones (None removes a directive)
_BLUEPRINT_POLICIES: dict[str, dict[str, str | None]] = {}

#: endpoints that browsers may cache (everything else is private: no-store)
CACHEABLE_ENDPOINTS = {"static"}


def register_csp(blueprint: str, directives: Mapping[str, str | None]) -> None:
    """Override directives for one blueprint's responses, e.g.
    `register_csp("demo", {"frame-src": "http://127.0.0.1:5000"})`."""
    _BLUEPRINT_POLICIES[blueprint] = {**_BLUEPRINT_POLICIES.get(blueprint, {}), **directives}


def allow_framing(origins: list[str]) -> None:
    """Let these origins frame this response (the launched workspace's CRM origins)."""
    g.frame_ancestors = list(origins)


def policy_for(blueprint: str | None, frame_ancestors: list[str] | None) -> str:
    directives = dict(BASE_POLICY)
    directives["frame-ancestors"] = " ".join(frame_ancestors) if frame_ancestors else "'none'"
    directives.update(_BLUEPRINT_POLICIES.get(blueprint or "", {}))
    return "; ".join(f"{name} {value}" for name, value in directives.items() if value)


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = policy_for(request.blueprint, g.get("frame_ancestors"))
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Content-Type-Options"] = "nosniff"
    if request.endpoint not in CACHEABLE_ENDPOINTS and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
    return response


# The real Xero's login redirects to any registered redirect URI after its consent form, and
# browsers apply form-action to that redirect: the sandbox's consent page must allow the same.
register_csp("sandbox", {"form-action": "'self' http: https:"})


def init_app(app: Flask) -> None:
    from widget import request_guard

    request_guard.init_app(app)  # the first before_request hook: bad input stops here
    app.after_request(_add_headers)
