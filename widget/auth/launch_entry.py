"""How a launch request reaches a panel: the token in the URL (`GET /contact?token=…`) or posted
as a form field (`POST /contact`, field `token`), as Zendesk and Salesforce Canvas post into
their iframes. Posting lets a company or deal with hundreds of associated contacts open: its
token is far longer than any URL a server or proxy accepts.

A posted launch is CSRF-safe without a CSRF token: the launch token itself is the credential,
signed by the CRM's server and spendable once; a page that has none cannot post one. A POST is
routed to the panel's GET view only when it carries a `token` field and the view takes launches;
anything else stays a 405.

Over-limit requests get our own pages: a URL longer than MAX_URL_BYTES a 414 that says to post
the token, a posted token longer than MAX_POSTED_TOKEN_LENGTH a 413.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.exceptions import (
    MethodNotAllowed,
    NotFound,
    RequestEntityTooLarge,
    RequestURITooLarge,
)

#: a URL (path and query) longer than this is refused with our 414 (gunicorn's own limit is
#: lifted in scripts/run so that this page, not gunicorn's, answers)
MAX_URL_BYTES = 8192
#: a posted launch token may be this long (a deal with 500 contacts signs to about 55 kB)
MAX_POSTED_TOKEN_LENGTH = 400_000
LAUNCH_ATTRIBUTE = "widget_launch"
TOO_BIG = (
    "This launch token is longer than {limit:,} characters, more than any panel needs: check "
    "what the CRM puts in the token's record."
)
TOO_LONG = (
    "This address is longer than {limit:,} bytes. To open a panel for a record with many "
    "associated contacts, the CRM should POST the launch token as the form field 'token' "
    "instead of putting it in the URL."
)


def launch_token() -> str | None:
    """The launch token this request carries: `?token=` on a GET, the `token` field of a POST."""
    if request.method == "GET":
        return request.args.get("token")
    if request.method == "POST" and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        token = request.form.get("token")
        if token is not None and len(token) > MAX_POSTED_TOKEN_LENGTH:
            raise RequestEntityTooLarge(TOO_BIG.format(limit=MAX_POSTED_TOKEN_LENGTH))
        return token
    return None


def _refuse_long_urls():
    raw = request.environ.get("RAW_URI") or request.full_path
    if len(raw.encode("latin-1", "replace")) > MAX_URL_BYTES:
        raise RequestURITooLarge(TOO_LONG.format(limit=MAX_URL_BYTES))


def _route_posted_launch():
    """A POST to a panel's launch URL runs the panel's GET view (which spends the token)."""
    if request.method != "POST" or not isinstance(request.routing_exception, MethodNotAllowed):
        return None
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, arguments = adapter.match(method="GET")
    except (MethodNotAllowed, NotFound):
        return None
    view = current_app.view_functions.get(endpoint)
    if getattr(view, LAUNCH_ATTRIBUTE, None) is None or launch_token() is None:
        return None
    request.routing_exception = None
    return current_app.ensure_sync(view)(**arguments)


def init_app(app: Flask) -> None:
    app.before_request(_refuse_long_urls)
    app.before_request(_route_posted_launch)
