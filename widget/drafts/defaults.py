"""The admin page's "Defaults for new drafts" section: show and save the workspace's settings.

With Xero connected, accounts and tax rates are offered from the organisation (and checked
against it); without, the section still saves the amounts, days, template and quote statuses.
"""

from __future__ import annotations

import dataclasses
import logging

from flask import render_template, request
from sqlalchemy import select

from widget.admin.audit_view import audit_helpers
from widget.auth import audit
from widget.auth.access import current_panel
from widget.connection.models import XeroConnection
from widget.db import get_session
from widget.drafts import settings as draft_settings
from widget.drafts.service import DraftsXero
from widget.xero import XeroError

log = logging.getLogger(__name__)


def section() -> tuple[str, int]:
    panel = current_panel()
    prefs = draft_settings.load(panel.workspace)
    return _render(dataclasses.asdict(prefs), {}, _reference(panel.workspace_id)), 200


def save() -> tuple[str, int]:
    panel = current_panel()
    ref = _reference(panel.workspace_id)
    new, errors = draft_settings.parse(request.form, ref)
    if errors:  # nothing saved: the form comes back as typed, each message by its field
        typed = {name: request.form.get(name, "") for name in dataclasses.asdict(new)}
        typed["open_quotes_include_accepted"] = new.open_quotes_include_accepted
        return _render(typed, errors, ref), 422
    db = get_session()
    changed = draft_settings.save(db, panel.workspace, new, panel.user)
    db.commit()
    message = "Saved." if changed else "No changes to save."
    section = _render(dataclasses.asdict(new), {}, ref, saved=message)
    return section + (_audit_log(panel.workspace_id) if changed else ""), 200


def _render(values: dict, errors: dict, ref, saved: str | None = None) -> str:
    return render_template(
        "drafts/defaults.html",
        values=values,
        errors=errors,
        ref=ref,
        saved=saved,
        placeholders=draft_settings.PLACEHOLDERS,
        max_days=draft_settings.MAX_DAYS,
    )


def _audit_log(workspace_id: str) -> str:
    """The admin page's audit log again (out of band), so the change shows there at once."""
    return render_template(
        "admin/_audit.html",
        audit=audit.entries(get_session(), workspace_id),
        oob=True,
        **audit_helpers(),
    )


def _reference(workspace_id: str):
    """The connected organisation's reference data, or None (not connected, Xero failing)."""
    connection = (
        get_session()
        .scalars(select(XeroConnection).where(XeroConnection.workspace_id == workspace_id))
        .first()
    )
    if connection is None or connection.status != "running" or not connection.tenant_id:
        return None
    try:
        return DraftsXero.for_workspace(workspace_id, connection.tenant_id).reference()
    except (XeroError, TimeoutError) as exc:
        log.warning(
            "draft defaults: reference data unavailable",
            extra={"fields": {"workspace_id": workspace_id, "error": type(exc).__name__}},
        )
        return None
