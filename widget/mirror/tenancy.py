"""Which organisation's mirror a workspace uses now: the one it is connected to (running)."""

from flask import current_app
from sqlalchemy import select

from widget.connection.models import XeroConnection


def connected_tenant(workspace_id: str) -> str | None:
    with current_app.extensions["db_sessionmaker"]() as session:
        return session.scalar(
            select(XeroConnection.tenant_id).where(
                XeroConnection.workspace_id == workspace_id, XeroConnection.status == "running"
            )
        )
