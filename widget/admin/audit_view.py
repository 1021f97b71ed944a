"""The audit log as the admin reads it: each entry a sentence, its time in the reader's locale and
in the organisation's time zone (as the panels show times), else UTC, saying so.

The zone comes from the organisation profile the panels cache (connecting stores it): rendering
the log never calls Xero.
"""

from datetime import UTC, tzinfo

from flask import request
from sqlalchemy import select

from widget.admin.describe import sentence
from widget.auth.access import current_panel
from widget.auth.clock import as_utc
from widget.auth.models import AuditEntry
from widget.cache import CacheScope
from widget.connection.models import XeroConnection
from widget.contact.service import panel_cache
from widget.db import get_session
from widget.formatting import format_moment, resolve_locale
from widget.timezones import zone_for


def audit_helpers() -> dict:
    """What templates/admin/_audit.html needs: `sentence(entry)` and `audit_when(entry)` (which
    looks up the locale and zone on its first use, so pages without the log pay nothing)."""
    found: dict = {}

    def audit_when(entry: AuditEntry) -> str:
        if not found:
            panel = current_panel()
            found["locale"] = resolve_locale(
                getattr(panel, "locale", None), request.headers.get("Accept-Language")
            )
            found["zone"] = organisation_zone(panel.workspace_id) if panel else None
        zone = found["zone"]
        text = format_moment(entry.created_at, found["locale"], zone or UTC)
        return text if zone is not None else f"{text} UTC"

    return {"sentence": sentence, "audit_when": audit_when, "as_utc": as_utc}


def organisation_zone(workspace_id: str) -> tzinfo | None:
    """The connected organisation's time zone when its profile is cached; None otherwise."""
    tenant_id = get_session().scalar(
        select(XeroConnection.tenant_id).where(XeroConnection.workspace_id == workspace_id)
    )
    if not tenant_id:
        return None
    entry = panel_cache().get(CacheScope(workspace_id, tenant_id), "org", allow_stale=True)
    profile = getattr(entry, "value", None)
    timezone = getattr(profile, "timezone", None)
    return zone_for(timezone) if timezone else None
