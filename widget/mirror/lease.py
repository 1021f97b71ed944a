"""One sync per organisation mirror at a time, across threads, processes and hosts: a lease in the
mirror's state row, taken by a conditional UPDATE (atomic on SQLite and PostgreSQL alike).

Taking the lease bumps `lease_token`. Every write a holder makes starts with `fence`, in the same
transaction: it renews the lease only while the token is still the holder's and the lease has not
run out, so a holder that stalled past its lease (and was replaced) cannot write over the new
holder's work. A crashed holder needs no cleanup: its lease simply runs out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from widget.auth.clock import as_utc, utcnow
from widget.mirror.models import MirrorState

#: how long a lease lasts without a write (each page written renews it)
LEASE_SECONDS = 120


class LeaseLost(Exception):
    """The lease ran out or was taken over: this holder must stop without writing."""


@dataclass(frozen=True)
class Lease:
    workspace_id: str
    tenant_id: str
    owner: str
    token: int


def _this(workspace_id: str, tenant_id: str):
    return (MirrorState.workspace_id == workspace_id, MirrorState.tenant_id == tenant_id)


def ensure_state(make_session: sessionmaker, workspace_id: str, tenant_id: str) -> None:
    """Create the organisation's state row once (status first_sync), so there is a row to lease."""
    with make_session() as session:
        if session.get(MirrorState, (workspace_id, tenant_id)) is not None:
            return
        session.add(
            MirrorState(
                workspace_id=workspace_id,
                tenant_id=tenant_id,
                status="first_sync",
                cursor={},
                documents_read=0,
                lease_token=0,
            )
        )
        try:
            session.commit()
        except IntegrityError:  # another worker created it first
            session.rollback()


def take(
    make_session: sessionmaker,
    workspace_id: str,
    tenant_id: str,
    owner: str,
    seconds: int = LEASE_SECONDS,
) -> Lease | None:
    """The lease if nobody holds it (or the holder's ran out); None while another sync runs."""
    now = utcnow()
    statement = (
        update(MirrorState)
        .where(
            *_this(workspace_id, tenant_id),
            or_(MirrorState.lease_until.is_(None), MirrorState.lease_until < now),
        )
        .values(
            lease_owner=owner[:64],
            lease_until=now + timedelta(seconds=seconds),
            lease_token=MirrorState.lease_token + 1,
        )
        .returning(MirrorState.lease_token)
        .execution_options(synchronize_session=False)
    )
    with make_session() as session:
        token = session.execute(statement).scalar()
        session.commit()
    if token is None:
        return None
    return Lease(workspace_id, tenant_id, owner[:64], token)


def fence(session: Session, lease: Lease, seconds: int = LEASE_SECONDS) -> None:
    """Renew the lease inside the caller's transaction, or raise LeaseLost (then roll back)."""
    now = utcnow()
    result = session.execute(
        update(MirrorState)
        .where(
            *_this(lease.workspace_id, lease.tenant_id),
            MirrorState.lease_token == lease.token,
            MirrorState.lease_owner == lease.owner,
            MirrorState.lease_until >= now,
        )
        .values(lease_until=now + timedelta(seconds=seconds))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise LeaseLost(f"lease {lease.token} of {lease.owner} is no longer held")


def release(make_session: sessionmaker, lease: Lease) -> None:
    """Give the lease back (only if it is still ours), so the next sync need not wait."""
    with make_session() as session:
        session.execute(
            update(MirrorState)
            .where(
                *_this(lease.workspace_id, lease.tenant_id),
                MirrorState.lease_token == lease.token,
            )
            .values(lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        session.commit()


def holder(session: Session, workspace_id: str, tenant_id: str) -> str | None:
    """Who holds the lease now (None when nobody does or it ran out)."""
    row = session.execute(
        select(MirrorState.lease_owner, MirrorState.lease_until).where(
            *_this(workspace_id, tenant_id)
        )
    ).first()
    if row is None or row.lease_owner is None or row.lease_until is None:
        return None
    return row.lease_owner if as_utc(row.lease_until) >= utcnow() else None
