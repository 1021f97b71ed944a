"""Blueprint `connection`: the admin page's Xero section (panel routes) and the consent popup.

Panel routes (admin panel session, X-Widget-Session): status, start, complete, pick, disconnect.
Each answers with a fragment for <section id="xero-connection">, errors included (htmx 4 swaps
4xx answers too). The popup's pages (begin, bind, callback) are top-level windows outside the
iframe, so no panel session reaches them; see widget.connection.flow for why they connect nothing.
"""

from flask import Blueprint, current_app, make_response, render_template, request, url_for

from widget.auth.access import current_panel, public, require
from widget.connection import binding, flow, lifecycle
from widget.connection.errors import ConnectFlowError
from widget.connection.status import status_of, time_ago
from widget.db import get_session

bp = Blueprint("connection", __name__, url_prefix="/admin/xero")

NOT_FINISHED = (
    "Sign-in was not finished. If the Xero window is still open, finish signing in there: "
    "this section carries on by itself. Otherwise, connect again."
)


def _status_fragment(status: int = 200, **context):
    panel = current_panel()
    current = status_of(panel.workspace_id)
    page = render_template(
        "connection/status.html",
        status=current,
        last_answered=time_ago(current.last_answered_at, panel.locale),
        **context,
    )
    return page, status


@bp.get("/status")
@require("admin")
def status():
    return _status_fragment()


@bp.post("/start")
@require("admin")
def start():
    panel = current_panel()
    started = flow.start(get_session(), panel.workspace_id, panel.user.id, _redirect_uri())
    return render_template("connection/started.html", started=started)


@bp.post("/complete")
@require("admin")
def complete():
    """The opener finishes the flow it started: when the popup says it is back, or is closed."""
    panel = current_panel()
    try:
        outcome = flow.complete(request.form.get("state", ""), panel.workspace_id, panel.user.id)
    except ConnectFlowError as exc:
        return _status_fragment(exc.status, problem=exc.message)
    if isinstance(outcome, flow.NotFinished):
        return _status_fragment(waiting=outcome.state, notice=NOT_FINISHED)
    if isinstance(outcome, flow.Choose):
        return render_template("connection/pick.html", choice=outcome)
    return _status_fragment(connected=outcome)


@bp.post("/pick")
@require("admin")
def pick():
    panel = current_panel()
    state, tenant_id = request.form.get("state", ""), request.form.get("tenant_id", "")
    try:
        outcome = flow.pick(state, tenant_id, panel.workspace_id, panel.user.id)
    except flow.NotOffered as exc:
        return render_template("connection/pick.html", choice=exc.choice, problem=exc.message), 400
    except ConnectFlowError as exc:
        return _status_fragment(exc.status, problem=exc.message)
    return _status_fragment(connected=outcome)


@bp.post("/disconnect")
@require("admin")
def disconnect():
    panel = current_panel()
    lifecycle.disconnect(panel.workspace_id, panel.user.id)
    return _status_fragment()


@bp.get("/begin")
@public
def begin():
    """The popup's first page: it gets the state from its opener, binds itself, goes to Xero."""
    return render_template("connection/begin.html"), 200, {"Cache-Control": "no-store"}


@bp.post("/bind")
@public
def bind():
    """Called by the begin page only (custom header): makes this browser the flow's browser."""
    if not binding.same_origin_request():
        return _plain("Open Xero's sign-in from your CRM's admin page.", 403)
    state = request.form.get("state", "")
    try:
        flow.bindable(state)
    except ConnectFlowError as exc:
        return _plain(exc.message, exc.status)
    response = make_response("", 204)
    binding.bind(response, state)
    return response


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
        flow.receive(state, code, _redirect_uri(), bound=binding.is_bound(request.cookies, state))
    except ConnectFlowError as exc:
        return _popup("problem", message=exc.message, status=exc.status, state=state)
    return _popup("received", state=state)


def _redirect_uri() -> str:
    """Where Xero sends the popup back: this app's callback at the request's host, unless
    XERO_REDIRECT_URI pins it (a proxy that hides the public host or scheme)."""
    return current_app.config.get("XERO_REDIRECT_URI") or url_for(
        "connection.callback", _external=True
    )


def _popup(outcome: str, status: int = 200, state: str = "", **context):
    """The popup's last page: its script tells the opener (same origin only) and closes."""
    page = render_template("connection/popup.html", outcome=outcome, **context)
    response = make_response(page, status)
    response.headers["Cache-Control"] = "no-store"
    if state:
        binding.unbind(response, state)
    return response


def _plain(message: str, status: int):
    return message, status, {"Content-Type": "text/plain; charset=utf-8"}
