"""The admin page's matching review: match the CRM's contacts against the mirror, then accept
every exact match in one action, or one proposal (or one of its alternatives) at a time."""

from flask import render_template, request

from widget import jobs
from widget.admin.views import _audit_page as audit_page
from widget.admin.views import bp
from widget.auth import audit
from widget.auth.access import current_panel, require
from widget.crm import creating, review
from widget.crm.matching import EXACT
from widget.db import get_session
from widget.paging import requested_page


def _review(status: int = 200, *, show: str | None = None, page: int | None = None, **context):
    """The review fragment for #crm-matching (with the audit log out of band after a change)."""
    panel, db = current_panel(), get_session()
    show = show or request.values.get("show", EXACT)
    page = page or requested_page()
    try:
        scope = review.scope_of(db, panel.workspace_id)
    except review.CannotMatch as exc:
        return render_template("admin/_matches.html", waiting=str(exc), review=None), status
    shown = review.review(db, scope, show, page)
    done, total, error = creating.progress(db, scope)
    body = render_template(
        "admin/_matches.html",
        review=shown,
        waiting="",
        creating={"done": done, "total": total, "error": error, "running": done < total},
        **context,
    )
    if context.get("changed"):
        body += render_template("admin/_audit.html", audit=audit_page(), oob=True)
    return body, status


@bp.get("/crm/matches")
@require("admin")
def matches():
    return _review()


@bp.post("/crm/matches/run")
@require("admin")
def run_matching():
    panel, db = current_panel(), get_session()
    try:
        scope = review.scope_of(db, panel.workspace_id)
    except review.CannotMatch:
        return _review(409)
    counts = review.run(db, scope, panel.user)
    db.commit()
    message = (
        f"Matched: {counts['exact']:,} exact, {counts['likely']:,} likely, "
        f"{counts['none']:,} without a match, {counts['linked']:,} already linked."
    )
    return _review(show=EXACT, page=1, saved=message, changed=True)


@bp.post("/crm/matches/accept-exact")
@require("admin")
def accept_exact():
    panel, db = current_panel(), get_session()
    try:
        scope = review.scope_of(db, panel.workspace_id)
    except review.CannotMatch:
        return _review(409)
    linked = review.accept_all_exact(db, scope, panel.user)
    db.commit()
    return _review(saved=f"Linked {linked:,} CRM contacts to their Xero contacts.", changed=True)


@bp.post("/crm/matches/accept")
@require("admin")
def accept_match():
    panel, db = current_panel(), get_session()
    crm_id, xero_id = request.form.get("crm_id", ""), request.form.get("xero_contact_id", "")
    try:
        scope = review.scope_of(db, panel.workspace_id)
        done = review.accept(db, scope, crm_id, xero_id, panel.user)
    except review.CannotMatch:
        return _review(409)
    except review.NotOffered as exc:
        db.rollback()
        return _review(422, problem=str(exc))
    db.commit()
    return _review(saved=done, changed=True)


@bp.post("/crm/matches/create-missing")
@require("admin")
def create_missing():
    """Queue the creation of a Xero contact for each CRM contact nothing matched (a job; the
    review shows its progress and polls until it is done)."""
    panel, db = current_panel(), get_session()
    try:
        scope = review.scope_of(db, panel.workspace_id)
    except review.CannotMatch:
        return _review(409)
    pending = creating.claim_missing(db, scope)
    audit.record(db, scope.workspace_id, panel.user, "crm.create_missing", scope.tenant_id,
                 pending=pending)  # fmt: skip
    db.commit()
    if pending:
        args = (scope.workspace_id, scope.tenant_id, panel.user.id)
        jobs.enqueue(creating.JOB, *args, key=creating.job_key(scope))
    return _review(show="none", page=1, saved=f"Creating {pending:,} Xero contacts.")
