"""The two refusals a panel can meet: 401 (no valid launch or session) and 403 (not granted).

People get a page (or, inside a panel, a fragment that replaces it: htmx 4 swaps error
responses, and HX-Retarget makes the message take the whole panel); JSON callers get JSON.
"""

from flask import Response, jsonify, make_response, render_template, request

from widget.auth.models import PanelSession
from widget.auth.users import workspace_admins
from widget.db import get_session
from widget.errors import wants_json

EXPIRED_MESSAGE = "This panel has expired: reload the CRM page."


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def _page(template: str, status: int, **context) -> Response:
    response = make_response(render_template(template, fragment=is_htmx(), **context), status)
    if is_htmx():
        response.headers["HX-Retarget"] = "body"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def expired(reason: str) -> Response:
    """401: bad, expired or replayed launch token, or no live session. `reason` is not secret."""
    if wants_json():
        return make_response(
            jsonify(error="panel_expired", message=EXPIRED_MESSAGE, reason=reason), 401
        )
    return _page("auth/expired.html", 401, message=EXPIRED_MESSAGE, reason=reason)


def no_access(panel: PanelSession, level: str) -> Response:
    """403 naming the workspace's admins, the people who can grant access."""
    admins = [
        user
        for user in workspace_admins(get_session(), panel.workspace_id)
        if user.id != panel.user_id
    ]
    if level == "admin":
        message = "Only CRM admins can open the widget's admin page."
    elif panel.user.access == "view" and level == "edit":
        message = "You can view Xero information here, but not change it."
    else:
        message = "You don't have access to Xero information in this CRM yet."
    if wants_json():
        names = [{"name": user.name, "email": user.email} for user in admins]
        return make_response(jsonify(error="no_access", message=message, admins=names), 403)
    return _page(
        "auth/no_access.html",
        403,
        message=message,
        admins=admins,
        workspace=panel.workspace,
    )
