"""Admin routes. Every query is scoped to the session's workspace: another workspace's user id is
simply not found (404), whatever the caller puts in the URL."""

from flask import Blueprint, abort, render_template, request

from widget.admin.audit_view import audit_helpers
from widget.admin.describe import ACCESS_LABELS, describe
from widget.admin.setup import KEEP_DEFAULTS, keep_standard_defaults, setup_of
from widget.auth import audit
from widget.auth.access import current_panel, require
from widget.auth.clock import as_utc
from widget.auth.users import (
    AdminAccessIsFixed,
    InvalidAccess,
    find_user,
    set_access,
    users_page,
)
from widget.crm.matching import REASONS
from widget.crm.store import contact_count
from widget.db import get_session
from widget.paging import requested_page

bp = Blueprint("admin", __name__, url_prefix="/admin")
GRANT_WORDS = {"none": "no", "view": "view", "edit": "edit"}


@bp.context_processor
def _helpers() -> dict:
    return {
        "describe": describe,
        **audit_helpers(),
        "access_labels": ACCESS_LABELS,
        "as_utc": as_utc,
        "keep_defaults_action": KEEP_DEFAULTS,
        "reason_labels": {key: label for key, (label, _sure) in REASONS.items()},
    }


def _audit_page():
    page = requested_page()
    return audit.entries(get_session(), current_panel().workspace_id, page=page)


@bp.get("")
@require("admin", launch="admin")
def index():
    panel, db = current_panel(), get_session()
    return render_template(
        "admin/index.html",
        workspace=panel.workspace,
        users=users_page(db, panel.workspace_id),
        setup=setup_of(db, panel.workspace),
        crm_contacts=contact_count(db, panel.workspace_id),
        audit=_audit_page(),
    )


@bp.get("/setup")
@require("admin")
def setup():
    panel = current_panel()
    return render_template("admin/_setup.html", setup=setup_of(get_session(), panel.workspace))


@bp.post("/setup/defaults")
@require("admin")
def keep_defaults():
    panel, db = current_panel(), get_session()
    keep_standard_defaults(db, panel.workspace, panel.user)
    db.commit()
    checklist = render_template("admin/_setup.html", setup=setup_of(db, panel.workspace))
    return checklist + render_template("admin/_audit.html", audit=_audit_page(), oob=True)


@bp.get("/audit")
@require("admin")
def audit_log():
    return render_template("admin/_audit.html", audit=_audit_page())


def _audit_grant(db, panel, user, previous: str, wanted: str) -> None:
    action = "access.revoke" if wanted == "none" else "access.grant"
    audit.record(
        db,
        panel.workspace_id,
        panel.user,
        action,
        f"user {user.crm_user_id}",
        user_name=user.name,
        **{"from": previous, "to": wanted},
    )


@bp.route("/users/<int:user_id>/access", methods=["PATCH", "POST"])
@require("admin")
def change_access(user_id: int):
    panel = current_panel()
    db = get_session()
    user = find_user(db, panel.workspace_id, user_id)
    if user is None:
        abort(404)
    wanted = request.form.get("access", "")
    try:
        previous = set_access(user, wanted)
    except (InvalidAccess, AdminAccessIsFixed) as exc:
        # htmx swaps 4xx responses too: the row comes back unchanged, saying why
        return render_template("admin/_user_row.html", user=user, error_message=str(exc)), 400
    if previous != wanted:
        _audit_grant(db, panel, user, previous, wanted)
    db.commit()
    message = f"Saved: {user.name} now has {GRANT_WORDS[wanted]} access."
    page = render_template(
        "admin/_access_changed.html", user=user, saved_message=message, audit=_audit_page()
    )
    return page, 200, {"HX-Trigger": "setup-changed"}
