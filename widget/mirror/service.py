"""What the panels call: the mirror's status, keeping it fresh without ever blocking a request,
the panel's Refresh, documents the widget itself just created, and merge notices.

Freshness: a panel that opens calls `ensure_fresh`; when the mirror is older than its target
(`MIRROR_FRESHNESS_SECONDS`, 60, times the budget governor's factor for the organisation) ONE
incremental sync is queued (de-duplicated per organisation), and the panel renders what the
mirror has. With webhooks on, that sync reads only quotes (the rest arrive by webhook), and all
resources every `MIRROR_FULL_SYNC_SECONDS` (900) in case an event was lost.
Refresh (`refresh_now`) syncs now and waits a bounded time, at most once per
`MIRROR_REFRESH_MIN_SECONDS` (10) per organisation, so a looping Refresh cannot drain Xero's budget.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, update

from widget import jobs
from widget.auth.clock import as_utc, utcnow
from widget.mirror import lease as leases
from widget.mirror.jobs import REFRESH, SYNC, refresh_key, sync_key
from widget.mirror.merges import take_notice
from widget.mirror.models import MergeNotice, MirrorState
from widget.mirror.resources import RESOURCES
from widget.mirror.rows import upsert
from widget.shared import watched

#: a first sync that is not running is started again at most this often by panel opens
RESTART_AFTER_SECONDS = 30
RESOURCE_NAMES = tuple(resource.name for resource in RESOURCES)
#: what Xero's webhooks announce (quotes have no webhook: they keep the incremental pull)
PUSHED_BY_WEBHOOKS = ("contacts", "invoices", "credit_notes")


@dataclass(frozen=True)
class MirrorStatus:
    #: the first sync is complete: panels may read the mirror (else: per-contact fetches)
    ready: bool
    #: the mirror matched Xero as of this moment (None before the first sync completes)
    synced_at: datetime | None
    documents_read: int
    #: Xero's own counts ("about N documents"); None until the first pages are read
    documents_expected: int | None
    #: a sync holds the lease right now
    running: bool
    #: why the last sync stopped, for admins (None when it went well)
    last_error: str | None
    #: changes whenever the organisation's mirror is written (a rendered summary's key)
    generation: int = 0

    @property
    def percent(self) -> int:
        """Progress of the first sync, 0–100 (for the progress bar)."""
        if self.ready:
            return 100
        if not self.documents_expected:
            return 0
        return min(99, self.documents_read * 100 // self.documents_expected)


@dataclass(frozen=True)
class RefreshOutcome:
    #: "synced", "too_soon" (a sync started less than the minimum interval ago), "failed", or
    #: "pending" (still running when the wait ran out; the figures follow on the next open)
    outcome: str
    synced_at: datetime | None
    message: str | None = None


def _sessions():
    return current_app.extensions["db_sessionmaker"]


def _state(workspace_id: str, tenant_id: str) -> MirrorState | None:
    with _sessions()() as session:
        return session.get(MirrorState, (workspace_id, tenant_id))


#: the tables whose writes change what panels read from an organisation's mirror
MIRROR_TABLES = ("mirror_states", "mirror_contacts", "mirror_invoices", "mirror_quotes",
                 "mirror_credit_notes", "mirror_merge_notices")  # fmt: skip
_generations = itertools.count(1)


@dataclass(frozen=True)
class _Facts:
    """A mirror_states row as read, kept in process until the organisation's mirror is written
    (`widget.shared.watched`): every panel request asks for it."""

    state: MirrorState | None
    #: a new number each time it is read again: what a rendered summary may be keyed by
    generation: int


def watch(app) -> None:
    """Every process that writes the mirror drops (and announces) what panels keep of it."""
    watched.register(app, "mirror", MIRROR_TABLES, "tenant_id")


def _facts(workspace_id: str, tenant_id: str) -> _Facts:
    cache = watched.watched(current_app, "mirror")
    return cache.get_or_read(
        (tenant_id, workspace_id),
        lambda: _Facts(_state(workspace_id, tenant_id), next(_generations)),
    )


def mirror_status(workspace_id: str, tenant_id: str) -> MirrorStatus:
    """The mirror's status: read once per process until a commit (here or, with Redis,
    anywhere) writes the organisation's mirror; a sync's end or a webhook's rows drop it."""
    facts = _facts(workspace_id, tenant_id)
    state = facts.state
    if state is None:
        return MirrorStatus(False, None, 0, None, False, None, facts.generation)
    running = state.lease_owner is not None and state.lease_until is not None
    running = running and as_utc(state.lease_until) >= utcnow()
    return MirrorStatus(
        ready=state.status == "ready" or state.first_sync_completed_at is not None,
        synced_at=as_utc(state.synced_at) if state.synced_at else None,
        documents_read=state.documents_read or 0,
        documents_expected=state.documents_expected,
        running=running,
        last_error=state.last_error,
        generation=facts.generation,
    )


def switched_on(setting: str) -> bool:
    """A mirror switch (MIRROR_START_ON_CONNECT, MIRROR_SYNC_ON_OPEN): on when unset, except in
    test apps, whose tests count Xero calls and start syncs only when they ask to."""
    wanted = current_app.config.get(setting)
    return not current_app.config.get("TESTING") if wanted is None else bool(wanted)


def sync_due(workspace_id: str, tenant_id: str) -> bool:
    """Whether `ensure_fresh` would queue a sync, judged on the kept state (no SQL while it
    is kept): a panel asks only then."""
    state = _facts(workspace_id, tenant_id).state
    if state is None:
        return True
    now = utcnow()
    if state.lease_until is not None and as_utc(state.lease_until) >= now:
        return False
    tried = as_utc(state.last_attempt_at) if state.last_attempt_at else None
    if state.status != "ready":
        return tried is None or now - tried > timedelta(seconds=RESTART_AFTER_SECONDS)
    return bool(_stale_resources(state, tenant_id, now, tried))


def _stale_resources(state, tenant_id: str, now: datetime, tried: datetime | None) -> list[str]:
    """The resources to read again. Judged on the base freshness target first: the governor
    only ever stretches it, so it is asked (a Redis read with REDIS_URL) only when something is
    due by the base target, and a warm panel costs no round trip for it."""
    cursor = state.cursor or {}
    base = timedelta(seconds=float(current_app.config.get("MIRROR_FRESHNESS_SECONDS", 60)))
    if not due_resources(cursor, now, base) or (tried is not None and now - tried <= base):
        return []
    target = timedelta(seconds=freshness_seconds(tenant_id))
    due = due_resources(cursor, now, target)
    return due if due and (tried is None or now - tried > target) else []


def freshness_seconds(tenant_id: str) -> float:
    """The freshness target, stretched by the budget governor as the organisation's day of
    Xero calls runs down (1 while at least half is left)."""
    from widget.connection.service import governor

    base = float(current_app.config.get("MIRROR_FRESHNESS_SECONDS", 60))
    return base * governor().freshness_factor(tenant_id)


def start_sync(workspace_id: str, tenant_id: str, resources: list[str] | None = None) -> bool:
    """Queue a sync of the organisation (first, or incremental of `resources`, default all);
    False if one is already queued."""
    leases.ensure_state(_sessions(), workspace_id, tenant_id)
    key = sync_key(workspace_id, tenant_id)
    return jobs.enqueue(SYNC, workspace_id, tenant_id, resources, key=key)


def ensure_fresh(workspace_id: str, tenant_id: str) -> None:
    """Called when a panel opens: queue one sync if the mirror is stale (or its first sync is
    not running). Never waits for Xero."""
    state = _state(workspace_id, tenant_id)
    if state is None:
        start_sync(workspace_id, tenant_id)
        return
    now = utcnow()
    if state.lease_until is not None and as_utc(state.lease_until) >= now:
        return  # a sync is running
    tried = as_utc(state.last_attempt_at) if state.last_attempt_at else None
    if state.status != "ready":
        if tried is None or now - tried > timedelta(seconds=RESTART_AFTER_SECONDS):
            start_sync(workspace_id, tenant_id)
        return
    due = _stale_resources(state, tenant_id, now, tried)
    if due:
        start_sync(workspace_id, tenant_id, due)


def webhooks_on() -> bool:
    """Whether Xero's webhooks keep contacts, invoices and credit notes fresh (a webhook key
    is configured, unless MIRROR_WEBHOOKS says otherwise)."""
    setting = current_app.config.get("MIRROR_WEBHOOKS")
    if setting is None:
        return bool(current_app.config.get("XERO_WEBHOOK_KEY"))
    return bool(setting)


def due_resources(cursor: dict, now: datetime, target: timedelta) -> list[str]:
    """The resources whose last read is older than their target: the freshness target for
    quotes (no webhook) and, without webhooks, for everything; with webhooks the others are
    read again only every MIRROR_FULL_SYNC_SECONDS (900), in case an event was lost.

    A resource whose last passes found nothing new is polled less often: its target doubles
    with each quiet pass, up to MIRROR_QUIET_MAX_SECONDS (900), so Xero calls follow what
    changes, not how often panels open (a change seen brings it back to the target; Refresh
    always reads everything)."""
    config = current_app.config
    full = timedelta(seconds=float(config.get("MIRROR_FULL_SYNC_SECONDS", 900)))
    quiet_max = timedelta(seconds=float(config.get("MIRROR_QUIET_MAX_SECONDS", 900)))
    pushed = webhooks_on()
    due = []
    for name in RESOURCE_NAMES:
        entry = cursor.get(name) or {}
        read_at = entry.get("read_at")
        limit = full if pushed and name in PUSHED_BY_WEBHOOKS else target
        limit = min(limit * 2 ** min(int(entry.get("quiet", 0)), 16), max(limit, quiet_max))
        if read_at is None or now - as_utc(datetime.fromisoformat(read_at)) > limit:
            due.append(name)
    return due


def refresh_now(workspace_id: str, tenant_id: str, *, wait_seconds: float = 5.0) -> RefreshOutcome:
    """The panel's Refresh: sync the organisation now and wait up to `wait_seconds` for it."""
    leases.ensure_state(_sessions(), workspace_id, tenant_id)
    pressed = utcnow()
    if not _claim_refresh(workspace_id, tenant_id, pressed):
        state = _state(workspace_id, tenant_id)
        synced = as_utc(state.synced_at) if state and state.synced_at else None
        return RefreshOutcome("too_soon", synced, "Refreshed moments ago.")
    jobs.enqueue(REFRESH, workspace_id, tenant_id, key=refresh_key(workspace_id, tenant_id))
    deadline = time.monotonic() + wait_seconds
    while True:
        state = _state(workspace_id, tenant_id)
        synced = as_utc(state.synced_at) if state.synced_at else None
        if synced is not None and synced >= pressed:
            return RefreshOutcome("synced", synced)
        if state.last_error:
            return RefreshOutcome("failed", synced, state.last_error)
        if time.monotonic() >= deadline:
            return RefreshOutcome("pending", synced, "Still reading Xero.")
        time.sleep(0.2)


def _claim_refresh(workspace_id: str, tenant_id: str, now: datetime) -> bool:
    """Atomically: the last sync started at least the minimum interval ago (then this is the
    new start, and any old error is cleared so the wait sees only this attempt's)."""
    gap = timedelta(seconds=float(current_app.config.get("MIRROR_REFRESH_MIN_SECONDS", 10)))
    with _sessions()() as session:
        claimed = session.execute(
            update(MirrorState)
            .where(
                MirrorState.workspace_id == workspace_id,
                MirrorState.tenant_id == tenant_id,
                or_(MirrorState.last_attempt_at.is_(None), MirrorState.last_attempt_at < now - gap),
            )
            .values(last_attempt_at=now, last_error=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        session.commit()
    return claimed == 1


def note_created(workspace_id: str, tenant_id: str, document: object) -> None:
    """A contact, invoice, bill, quote or credit note Xero just returned from our own PUT: into
    the mirror at once, so the panel shows it without waiting for the next sync."""
    with _sessions()() as session:
        upsert(session, workspace_id, tenant_id, [document])
        session.commit()


def merge_notice(
    workspace_id: str, tenant_id: str, record_type: str, crm_record_id: str
) -> MergeNotice | None:
    """For a panel: the Xero contact this record was linked to was merged (the link already
    follows the survivor). Returned once, then marked told."""
    with _sessions()() as session:
        return take_notice(session, workspace_id, tenant_id, record_type, crm_record_id)
