"""What the admin page (and, briefly, a rep's panel) says about the workspace's Xero connection."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from babel import Locale, UnknownLocaleError
from babel.dates import format_timedelta
from flask import current_app
from sqlalchemy import select

from widget.connection.errors import ConnectionProblem, NeedsReauthorisation, NotConnected
from widget.connection.models import XeroConnection
from widget.connection.tokens import as_utc, utcnow
from widget.xero_usage import DatabaseUsageRecorder

LABELS = {
    "running": "Running",
    "needs_reauthorisation": "Needs re-authorisation",
    "disconnected": "Disconnected",
}
#: Xero's daily allowance is a rolling day: older figures say nothing about today
USAGE_RELEVANCE = timedelta(hours=24)


@dataclass(frozen=True)
class ConnectionStatus:
    status: str
    tenant_name: str | None
    connected_at: datetime | None
    last_answered_at: datetime | None
    calls_left_today: int | None

    @property
    def label(self) -> str:
        return LABELS[self.status]

    @property
    def buttons(self) -> tuple[str, ...]:
        """Which actions fit: Connect when nothing is, Reconnect when the grant died."""
        return {
            "running": ("disconnect",),
            "needs_reauthorisation": ("reconnect", "disconnect"),
            "disconnected": ("connect",),
        }[self.status]


def _connection(workspace_id: str) -> XeroConnection | None:
    with current_app.extensions["db_sessionmaker"]() as session:
        return session.scalars(
            select(XeroConnection).where(XeroConnection.workspace_id == workspace_id)
        ).first()


def status_of(workspace_id: str) -> ConnectionStatus:
    connection = _connection(workspace_id)
    if connection is None:
        return ConnectionStatus("disconnected", None, None, None, None)
    usage = None
    if connection.tenant_id and connection.status != "disconnected":
        recorder = DatabaseUsageRecorder(current_app.extensions["db_sessionmaker"])
        usage = recorder.latest(connection.tenant_id)
    fresh = usage is not None and utcnow() - as_utc(usage.updated_at) < USAGE_RELEVANCE
    return ConnectionStatus(
        status=connection.status,
        tenant_name=connection.tenant_name,
        connected_at=as_utc(connection.connected_at),
        last_answered_at=as_utc(usage.last_success_at) if usage else None,
        calls_left_today=usage.day_remaining if fresh else None,
    )


def problem_of(workspace_id: str) -> ConnectionProblem | None:
    """Why panels cannot reach Xero now, if they cannot (for a rep's plain message:
    `problem.message_for(is_admin=False)`); None when the connection is running."""
    status = status_of(workspace_id).status
    if status == "needs_reauthorisation":
        return NeedsReauthorisation(workspace_id)
    if status == "disconnected":
        return NotConnected(workspace_id)
    return None


def time_ago(moment: datetime | None, locale: str | None) -> str:
    """ "3 minutes ago" in the panel's language (English when it is unknown)."""
    if moment is None:
        return ""
    try:
        language = Locale.parse((locale or "en").replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        language = Locale.parse("en")
    elapsed = min(moment - utcnow(), -timedelta(seconds=1))  # another host's clock may run ahead
    return format_timedelta(elapsed, add_direction=True, locale=language)
