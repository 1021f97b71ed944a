"""Which browser may bring a consent back: the one whose popup was handed the state by the panel.

Knowing a `state` is not enough to finish a consent, because the admin who started the flow knows
it too and could send Xero's consent link to another company's admin. So before the popup leaves
for Xero, our begin page (which gets the state from its opener by a same-origin postMessage, see
static/connection/begin.js) trades the state for a first-party cookie here, and the callback
accepts a state only from a browser that carries that cookie. A consent link opened anywhere else
comes back without it.

The cookie is an HMAC of the state under the app's SECRET_KEY: nothing to store, nothing an
outsider can compute, and it names no workspace or user. It is only sent to the callback path,
lives as long as a pending flow (ten minutes), and is dropped once the callback has used it.
"""

import hashlib
import hmac
from collections.abc import Mapping

from flask import Response, current_app, request, url_for

LIFETIME_SECONDS = 10 * 60
#: a header a cross-site form cannot send (and a cross-site fetch could only send after a CORS
#: preflight that this app never answers): proves the bind request came from our own page
BIND_HEADER = "X-Xero-Connect"


def _cookie_name(state: str) -> str:
    """One cookie per flow, so two flows in one browser do not overwrite each other."""
    return "xero_connect_" + hashlib.sha256(state.encode()).hexdigest()[:16]


def _proof(state: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"xero-connect-browser\0" + state.encode(), hashlib.sha256).hexdigest()


def same_origin_request() -> bool:
    """Our own page sent this: the custom header is there and, when the browser says where the
    request comes from (Sec-Fetch-Site, which pages cannot forge), it is our own origin. Not the
    Origin header against our host URL: behind a TLS proxy that URL may say http."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    return bool(request.headers.get(BIND_HEADER)) and fetch_site in (None, "same-origin")


def bind(response: Response, state: str) -> None:
    """Mark this browser as the one that may bring the consent for `state` back."""
    response.set_cookie(
        _cookie_name(state),
        _proof(state),
        max_age=LIFETIME_SECONDS,
        path=url_for("connection.callback"),
        secure=request.is_secure,
        httponly=True,
        samesite="Lax",  # sent on the top-level GET that Xero redirects the popup to
    )


def is_bound(cookies: Mapping[str, str], state: str) -> bool:
    presented = cookies.get(_cookie_name(state), "")
    # as bytes: compare_digest refuses str with non-ASCII characters (a forged cookie: a 500)
    proof = _proof(state).encode()
    return bool(state) and hmac.compare_digest(presented.encode("utf-8", "replace"), proof)


def unbind(response: Response, state: str) -> None:
    response.delete_cookie(
        _cookie_name(state),
        path=url_for("connection.callback"),
        secure=request.is_secure,
        httponly=True,
        samesite="Lax",
    )
