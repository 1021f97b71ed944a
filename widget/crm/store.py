"""Idempotent writes of CRM contacts: a batch creates what is new, updates what changed and
leaves the rest alone, so sending the same batch twice changes nothing the second time.

The caller commits. Two identical batches racing on two workers may both try to insert a new
contact; the loser's unique-key error is retried once, when it finds the row and changes nothing.
"""

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from widget.auth.clock import utcnow
from widget.crm.models import CrmContact
from widget.crm.rows import ContactRow

#: ids per IN (...) query: well inside every database's parameter limit
CHUNK = 500
CONTACT_COLUMNS = ("name", "first_name", "last_name", "email", "company")


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    created_ids: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.created + self.updated

    def as_json(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def _existing(session: Session, workspace_id: str, ids: list[str]) -> dict[str, CrmContact]:
    found = {}
    for start in range(0, len(ids), CHUNK):
        query = select(CrmContact).where(
            CrmContact.workspace_id == workspace_id,
            CrmContact.crm_id.in_(ids[start : start + CHUNK]),
        )
        found.update({row.crm_id: row for row in session.scalars(query)})
    return found


def upsert_contacts(
    session: Session, workspace_id: str, rows: list[ContactRow], source: str
) -> Counts:
    now = utcnow()
    counts = Counts()
    existing = _existing(session, workspace_id, [row.id for row in rows])
    for row in rows:
        stored = existing.get(row.id)
        if stored is None:
            values = {name: getattr(row, name) for name in CONTACT_COLUMNS}
            session.add(
                CrmContact(
                    workspace_id=workspace_id,
                    crm_id=row.id,
                    source=source,
                    created_at=now,
                    updated_at=now,
                    **values,
                )
            )
            counts.created += 1
            continue
        changes = {
            name: getattr(row, name)
            for name in CONTACT_COLUMNS
            if getattr(stored, name) != getattr(row, name)
        }
        if not changes:
            counts.unchanged += 1
            continue
        for name, value in changes.items():
            setattr(stored, name, value)
        stored.source, stored.updated_at = source, now
        counts.updated += 1
    session.flush()
    return counts


def contact_count(session: Session, workspace_id: str) -> int:
    query = select(func.count()).select_from(CrmContact)
    return session.scalar(query.where(CrmContact.workspace_id == workspace_id)) or 0


def save(session: Session, attempt):
    """Run `attempt()` and commit; after a unique-key race, roll back and run it once more."""
    for last in (False, True):
        try:
            result = attempt()
            session.commit()
            return result
        except IntegrityError:
            session.rollback()
            if last:
                raise
    raise AssertionError("unreachable")
