"""What Xero last told us about an organisation's remaining call allowance, stored per tenant.

The Xero client reports the `X-*Limit-Remaining` headers of every response through a recorder; this
one keeps them in the database so every worker and the admin page see the same figures.
"""

from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer, String, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from widget.db import Base
from widget.xero.limits import RateLimitRemaining

_FIGURES = ("day_remaining", "minute_remaining", "app_minute_remaining")


class OrganisationUsage(Base):
    __tablename__ = "xero_organisation_usage"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day_remaining: Mapped[int | None] = mapped_column(Integer)
    minute_remaining: Mapped[int | None] = mapped_column(Integer)
    app_minute_remaining: Mapped[int | None] = mapped_column(Integer)
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DatabaseUsageRecorder:
    """The Xero client's `LimitRecorder` on top of `OrganisationUsage`.

    Many workers record for the same tenant at once, so a row is changed by one UPDATE (figures a
    response did not carry keep their stored value) and created by an INSERT that, if another
    worker won the race, falls back to the UPDATE.
    """

    def __init__(self, make_session: sessionmaker):
        self._make_session = make_session

    def record(self, tenant_id: str, remaining: RateLimitRemaining, succeeded: bool) -> None:
        now = datetime.now(UTC)
        figures = {name: getattr(remaining, name) for name in _FIGURES}
        if self._update(tenant_id, figures, succeeded, now):
            return
        row = {"tenant_id": tenant_id, "updated_at": now, **figures}
        if succeeded:
            row["last_success_at"] = now
        try:
            with self._make_session() as session, session.begin():
                session.execute(insert(OrganisationUsage).values(**row))
        except IntegrityError:
            self._update(tenant_id, figures, succeeded, now)

    def _update(self, tenant_id: str, figures: dict, succeeded: bool, now: datetime) -> bool:
        changes = {name: value for name, value in figures.items() if value is not None}
        changes["updated_at"] = now
        if succeeded:
            changes["last_success_at"] = now
        statement = (
            update(OrganisationUsage)
            .where(OrganisationUsage.tenant_id == tenant_id)
            .values(**changes)
        )
        with self._make_session() as session, session.begin():
            return session.execute(statement).rowcount > 0

    def latest(self, tenant_id: str) -> OrganisationUsage | None:
        with self._make_session() as session:
            return session.scalars(
                select(OrganisationUsage).where(OrganisationUsage.tenant_id == tenant_id)
            ).first()

    def remaining(self, tenant_id: str) -> RateLimitRemaining | None:
        """The stored figures in the client's own terms (as MemoryLimitRecorder.latest gives)."""
        row = self.latest(tenant_id)
        if row is None:
            return None
        return RateLimitRemaining(*(getattr(row, name) for name in _FIGURES))
