"""Blueprint `connection`: the admin page's Xero section, and the consent popup's pages.

The status, start and disconnect routes run inside the admin panel (panel session, admin only).
The callback and pick are top-level popup pages outside the iframe: no panel session reaches them,
so `state` alone authorises them (see widget.connection.flow).
"""

from flask import Blueprint, current_app, render_template, request, url_for

from widget.auth.access import current_panel, public, require
from widget.connection import flow, lifecycle
from widget.connection.errors import ConnectFlowError
from widget.connection.status import status_of, time_ago
from widget.db import get_session

bp = Blueprint("connection", __name__, url_prefix="/admin/xero")


def _status_fragment(just_connected: bool = False):
    panel = current_panel()
    status = status_of(panel.workspace_id)
    return render_template(
        "connection/status.html",
        status=status,
        just_connected=just_connected,
        last_answered=time_ago(status.last_answered_at, panel.locale),
    )


@bp.get("/status")
@require("admin")
def status():
    return _status_fragment(just_connected=request.args.get("connected") == "1")


@bp.post("/start")
@require("admin")
def start():
    panel = current_panel()
    authorize_url = flow.start(get_session(), panel.workspace_id, panel.user.id, _redirect_uri())
    return render_template("connection/started.html", authorize_url=authorize_url)


@bp.post("/disconnect")
@require("admin")
def disconnect():
    panel = current_panel()
    lifecycle.disconnect(panel.workspace_id, panel.user.id)
    return _status_fragment()


@bp.get("/callback")
@public
def callback():
    state = request.args.get("state", "")
    if request.args.get("error"):
        flow.refuse(state)
        denied = request.args.get("error") == "access_denied"
        return _popup("problem", message=flow.DENIED if denied else flow.XERO_REFUSED)
    code = request.args.get("code", "")
    if not code or not state:
        return _popup("problem", message=flow.EXPIRED, status=400)
    try:
        outcome = flow.finish(state, code, _redirect_uri())
    except ConnectFlowError as exc:
        return _popup("problem", message=exc.message, status=exc.status)
    if isinstance(outcome, flow.Choose):
        return _popup("choose", state=outcome.state, organisations=outcome.organisations)
    return _popup("connected", tenant_name=outcome.tenant_name, restored=outcome.restored)


@bp.post("/pick")
@public
def pick():
    try:
        outcome = flow.pick(request.form.get("state", ""), request.form.get("tenant_id", ""))
    except ConnectFlowError as exc:
        return _popup("problem", message=exc.message, status=exc.status)
    return _popup("connected", tenant_name=outcome.tenant_name, restored=outcome.restored)


def _redirect_uri() -> str:
    """Where Xero sends the popup back: this app's callback at the request's host, unless
    XERO_REDIRECT_URI pins it (a proxy that hides the public host or scheme)."""
    return current_app.config.get("XERO_REDIRECT_URI") or url_for(
        "connection.callback", _external=True
    )


def _popup(outcome: str, status: int = 200, **context):
    """The popup's page; its script tells the admin panel (the opener) and closes when done."""
    origin = request.host_url.rstrip("/")
    page = render_template("connection/popup.html", outcome=outcome, origin=origin, **context)
    return page, status, {"Cache-Control": "no-store"}
