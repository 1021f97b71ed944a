"""Changes made in a sandbox session, noted as they are saved and handed on after the commit.

`save` notes each change on its session; when that session commits, the listeners registered
with `on_commit` (the webhook sender) get them. A rolled-back session forgets its changes, so
nothing is announced that Xero would not have kept.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

_KEY = "sandbox_changes"


@dataclass(frozen=True)
class Change:
    tenant_id: str
    kind: str
    doc_id: str
    created: bool
    when: datetime
    #: For credit notes: Type and Status (Xero's credit-note events carry them as `data`).
    data: dict | None = None


def note_change(session: Session, tenant_id, kind, doc_id, created, body, when) -> None:
    data = None
    if kind == "creditnote":
        data = {"Type": body.get("Type"), "Status": body.get("Status")}
    changes = session.info.setdefault(_KEY, {})
    key = (tenant_id, kind, doc_id)
    earlier = changes.get(key)
    # a document created and changed again in one transaction is still one CREATE
    changes[key] = Change(
        tenant_id, kind, doc_id, created or bool(earlier and earlier.created), when, data
    )


def on_commit(factory: sessionmaker, listener: Callable[[list[Change]], None]) -> None:
    """Call `listener(changes)` after each commit of a session made by `factory`."""

    @event.listens_for(factory, "after_commit")
    def _committed(session: Session) -> None:
        changes = session.info.pop(_KEY, None)
        if changes:
            listener(list(changes.values()))

    @event.listens_for(factory, "after_rollback")
    def _rolled_back(session: Session) -> None:
        session.info.pop(_KEY, None)
