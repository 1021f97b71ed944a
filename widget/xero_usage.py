"""What Xero last told us about an organisation's remaining call allowance, stored per tenant.

The Xero client reports the `X-*Limit-Remaining` headers of every response through a recorder; this
one keeps them in the database so every worker and the admin page see the same figures.
"""

from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from widget.db import Base


class OrganisationUsage(Base):
    __tablename__ = "xero_organisation_usage"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day_remaining: Mapped[int | None] = mapped_column(Integer)
    minute_remaining: Mapped[int | None] = mapped_column(Integer)
    app_minute_remaining: Mapped[int | None] = mapped_column(Integer)
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DatabaseUsageRecorder:
    """Implements the Xero client's limit recorder on top of `OrganisationUsage`."""

    def __init__(self, make_session: sessionmaker):
        self._make_session = make_session

    def record(self, tenant_id: str, remaining, succeeded: bool) -> None:
        now = datetime.now(UTC)
        with self._make_session() as session, session.begin():
            row = session.get(OrganisationUsage, tenant_id, with_for_update=True)
            if row is None:
                row = OrganisationUsage(tenant_id=tenant_id, updated_at=now)
                session.add(row)
            for field in ("day_remaining", "minute_remaining", "app_minute_remaining"):
                value = getattr(remaining, field)
                if value is not None:
                    setattr(row, field, value)
            if succeeded:
                row.last_success_at = now
            row.updated_at = now

    def latest(self, tenant_id: str) -> OrganisationUsage | None:
        with self._make_session() as session:
            return session.scalars(
                select(OrganisationUsage).where(OrganisationUsage.tenant_id == tenant_id)
            ).first()
