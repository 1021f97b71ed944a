"""The panels' reads from the organisation mirror (widget.mirror): figures, lists, suggestions,
search and contacts with 0 Xero calls, once the mirror's first sync is complete.

`open_mirror` is what a panel request asks first: the mirror's status when panels may read it
(it also asks the mirror to sync when stale, without waiting), or None while the first sync
runs, when the panel falls back to its per-contact Xero fetch so nobody waits. The status is
kept per process until the organisation's mirror is written (widget.mirror.service), so a warm
panel asks the database nothing about it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from widget.cache import Fetched
from widget.contact import clock
from widget.contact.service import Documents
from widget.db import get_session
from widget.mirror import read, service
from widget.mirror.service import MirrorStatus
from widget.suggest import CrmContact, Suggestion, rank_search, suggest
from widget.xero.models import Contact

log = logging.getLogger(__name__)

#: how long Refresh waits for the organisation's sync before showing what the mirror has
REFRESH_WAIT_SECONDS = 5.0
#: each process asks the mirror to keep fresh at most this often per organisation
ASK_FRESH_SECONDS = 5.0
#: how far back paid invoices are read for the payment record (a year and a margin)
PAID_HISTORY_DAYS = 370
_asked: dict[tuple[str, str], float] = {}
_asked_lock = threading.Lock()


@dataclass(frozen=True)
class RefreshNote:
    """What a Refresh did, in the rep's words (None: it synced and there is nothing to say)."""

    message: str | None
    synced_at: datetime | None


def open_mirror(workspace_id: str, tenant_id: str) -> MirrorStatus | None:
    """The mirror's status when panels may read it; queues a sync when it is stale (unless
    `MIRROR_SYNC_ON_OPEN` is off: by default in test apps, whose tests count Xero calls, as
    the mirror's own MIRROR_START_ON_CONNECT)."""
    try:
        status = service.mirror_status(workspace_id, tenant_id)
        if (
            _sync_on_open()
            and service.sync_due(workspace_id, tenant_id)
            and _time_to_ask(workspace_id, tenant_id)
        ):
            service.ensure_fresh(workspace_id, tenant_id)
    except Exception:  # the mirror failing must never cost the panel: fall back to Xero
        log.exception("mirror: status unavailable, the panel reads Xero")
        return None
    return status if status.ready else None


def scope(ctx) -> read.MirrorScope:
    return read.MirrorScope(ctx.workspace_id, ctx.tenant_id)


def documents(ctx, contact_ids: Iterable[str], synced_at: datetime | None) -> Fetched:
    """The figures' documents of these contacts, as of the mirror's last sync."""
    found = read.summary_documents(get_session(), scope(ctx), contact_ids, ctx.open_statuses)
    synced = synced_at.timestamp() if synced_at else 0.0
    return Fetched(Documents(found.invoices, found.quotes, found.credit_notes), synced, True)


def paid_history(ctx, contact_ids: Iterable[str]) -> list:
    """The last year's paid sales invoices of these contacts (a few days' margin for the
    organisation's time zone: widget.paying keeps exactly the 12 months)."""
    after = clock.now().date() - timedelta(days=PAID_HISTORY_DAYS)
    return read.paid_invoices(get_session(), scope(ctx), contact_ids, after)


def suggestions(ctx, crm: CrmContact) -> list[Suggestion]:
    return suggest(crm, read.suggestion_candidates(get_session(), scope(ctx), crm))


def company_suggestions(ctx, company) -> list[Suggestion]:
    """A CRM company's suggestions (widget.company.suggest's ranking) over the mirror."""
    from widget.company.suggest import suggest_for_company

    found = read.company_candidates(get_session(), scope(ctx), company.name, company.domains)
    return suggest_for_company(company, found)


def search(ctx, term: str) -> list[Contact]:
    hits = rank_search(term, read.search_candidates(get_session(), scope(ctx), term))
    return [hit.contact for hit in hits]


def contact(ctx, contact_id: str) -> Contact | None:
    """A contact to link, if mirrored and not archived (None: ask Xero, it may be brand new)."""
    found = read.contact(get_session(), scope(ctx), contact_id)
    if found is None or (found.contact_status or "").upper() == "ARCHIVED":
        return None
    return found


# --- either source: the mirror when ready, else Xero (cached per organisation) -------------


def find_suggestions(ctx, crm: CrmContact) -> list[Suggestion]:
    return suggestions(ctx, crm) if ctx.mirror else ctx.xero.suggestions(crm).value


def find_contacts(ctx, term: str) -> list[Contact]:
    return search(ctx, term) if ctx.mirror else ctx.xero.search(term).value


def find_contact(ctx, contact_id: str) -> Contact:
    """A contact to link: the mirror knows it (0 calls), unless it is newer than the last sync."""
    return (ctx.mirror and contact(ctx, contact_id)) or ctx.xero.contact(contact_id)


def page(ctx, contact_ids: Iterable[str], kind: str, status: str | None, text: str, number: int):
    return read.documents_page(
        get_session(), scope(ctx), contact_ids, kind, status=status, text=text, page=number
    )


def refresh(ctx) -> RefreshNote:
    """Refresh: sync the organisation now (the mirror bounds it per organisation)."""
    outcome = service.refresh_now(ctx.workspace_id, ctx.tenant_id, wait_seconds=_wait())
    messages = {
        "synced": None,
        "too_soon": "Refreshed moments ago: these figures are the newest.",
        "pending": "Still reading Xero: newer figures follow on the next open.",
        "failed": "Xero could not be reached: these are the figures as of the time shown.",
    }
    return RefreshNote(messages.get(outcome.outcome), outcome.synced_at)


def merge_note(ctx, record_type: str) -> str | None:
    """Once: the linked Xero contact was merged in Xero, and the link now follows the survivor."""
    try:
        notice = service.merge_notice(ctx.workspace_id, ctx.tenant_id, record_type,
                                      ctx.crm_contact_id)  # fmt: skip
    except Exception:
        log.exception("mirror: merge notice unavailable")
        return None
    if notice is None:
        return None
    merged = notice.merged_contact_name or "The linked Xero contact"
    survivor = notice.survivor_contact_name or "another contact"
    return f"{merged} was merged into {survivor} in Xero: this record now shows {survivor}."


def render_key(ctx) -> tuple:
    """What a summary rendered from the mirror depends on besides the reader and the link: the
    mirror as read. Its generation changes with every commit that writes the organisation's
    mirror (a sync, a webhook's rows, a document created here, a merge notice taken), in any
    process (widget.shared.watched), so a warm panel re-renders exactly when its rows change."""
    synced = ctx.mirror.synced_at.isoformat() if ctx.mirror.synced_at else ""
    return (synced, ctx.mirror.generation)


def _time_to_ask(workspace_id: str, tenant_id: str) -> bool:
    now = time.monotonic()
    with _asked_lock:
        last = _asked.get((workspace_id, tenant_id))
        if last is not None and now - last < ASK_FRESH_SECONDS:
            return False
        if len(_asked) > 10_000:
            _asked.clear()
        _asked[(workspace_id, tenant_id)] = now
    return True


def _sync_on_open() -> bool:
    return service.switched_on("MIRROR_SYNC_ON_OPEN")


def _wait() -> float:
    return float(current_app.config.get("PANEL_REFRESH_WAIT_SECONDS", REFRESH_WAIT_SECONDS))
