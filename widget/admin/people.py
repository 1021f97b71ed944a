"""The access list's routes: one page of people (searchable), and adding people before they ever
open a panel (one at a time, or a pasted list) with the grant they should start with."""

from flask import make_response, render_template, request

from widget.admin.views import _audit_page as audit_page
from widget.admin.views import bp
from widget.auth.access import current_panel, require
from widget.auth.users import users_page
from widget.crm import rows
from widget.crm.csv_import import Parsed, UnreadableFile, parse_pasted
from widget.crm.people import apply_users
from widget.crm.store import save
from widget.db import get_session
from widget.paging import requested_page

MAX_PASTE = 200_000  # characters: about 3,000 people


def current_users_page(search: str | None = None, page: int | None = None):
    search = request.args.get("q", "") if search is None else search
    page = requested_page() if page is None else page
    return users_page(get_session(), current_panel().workspace_id, search, page)


@bp.get("/users")
@require("admin")
def users():
    return render_template("admin/_users.html", users=current_users_page())


def _added(parsed, *, status: int = 200, problem: str = ""):
    """Save the good rows; answer with what happened, each refused line, the list and the log."""
    panel, db = current_panel(), get_session()
    counts = None
    if parsed is not None and parsed.rows:
        counts = save(
            db, lambda: apply_users(db, panel.workspace_id, parsed.rows, panel.user, "admin")
        )
    page = render_template(
        "admin/_people_added.html",
        counts=counts,
        errors=parsed.errors if parsed else [],
        problem=problem,
        users=current_users_page(search="", page=1),
        audit=audit_page(),
    )
    response = make_response(page, status if not (parsed and parsed.errors) else 422)
    if counts and counts.changed:
        response.headers["HX-Trigger"] = "setup-changed"
    return response


@bp.post("/users")
@require("admin")
def add_person():
    form = request.form
    raw = {
        name: form.get(field, "")
        for name, field in (
            ("id", "crm_user_id"),
            ("name", "name"),
            ("email", "email"),
            ("access", "access"),
        )
    }
    try:
        parsed = _single(raw)
    except rows.Refused as refused:
        return _added(None, status=422, problem=refused.message)
    return _added(parsed)


def _single(raw: dict) -> Parsed:
    return Parsed([rows.user_row(raw)], [])


@bp.post("/users/paste")
@require("admin")
def paste_people():
    text = request.form.get("people", "")
    access = request.form.get("access") or None
    if len(text) > MAX_PASTE:
        return _added(
            None, status=413, problem="The list is too long: paste at most 3,000 people at a time."
        )
    if access not in (None, *rows.ACCESS_CHOICES):
        return _added(None, status=422, problem="Choose no access, view or edit.")
    try:
        parsed = parse_pasted(text, access)
    except UnreadableFile as exc:
        return _added(None, status=422, problem=str(exc))
    if not parsed.rows and not parsed.errors:
        return _added(None, status=422, problem="Paste at least one line: id, name, email.")
    return _added(parsed)
