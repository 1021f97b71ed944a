"""Bringing one organisation's mirror up to date: the first sync (every document) and then
incremental passes (`If-Modified-Since` = the newest UpdatedDateUTC seen, minus an overlap).

Both are the same loop over `resources.RESOURCES`: a *pass* per resource pages through Xero and
each page is written in one transaction together with the cursor (the pass's next page), so a
sync killed at any point continues where it stopped: at most the page in flight is read again.
Passes take turns page by page, so the first pages of every resource come early and the
progress bar's "about N documents" (Xero's itemCount) is known almost at once.

Only the lease holder writes (`lease.fence` in every transaction). A sync runs outside any
request: `widget.jobs` runs it; `sync_organisation` is the job.
"""

from __future__ import annotations

import copy
import logging
import os
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, update
from sqlalchemy.orm import sessionmaker

from widget.auth.clock import utcnow
from widget.mirror import lease as leases
from widget.mirror.merges import follow_merges
from widget.mirror.models import MirrorState
from widget.mirror.resources import LARGEST_PAGE, RESOURCES
from widget.mirror.rows import upsert
from widget.mirror.xero_access import background_client
from widget.xero import XeroNotFound, XeroRateLimited
from widget.xero.models import Page

log = logging.getLogger(__name__)

#: If-Modified-Since is the newest UpdatedDateUTC seen minus this (the header has whole seconds;
#: documents updated in the same second as the newest must come back: the upsert de-duplicates)
OVERLAP = timedelta(seconds=1)


class OrganisationChanged(Exception):
    """The workspace is now connected to another organisation: this mirror is not to be synced."""


@dataclass(frozen=True)
class SyncResult:
    #: "synced" (the mirror matches Xero as of `started_at`), "busy" (another sync holds the
    #: lease), "lost" (our lease ran out mid-way; the new holder carries on)
    outcome: str
    pages: int = 0
    documents: int = 0
    started_at: datetime | None = None


#: a sync waits out a short hold of Xero's limits (the minute's) at most this long, this often
MAX_PAUSE = 65
PAUSES_PER_PAGE = 3


class Pacer:
    """Calls at most `per_minute` a minute after a burst: a sync must leave the organisation's
    60-a-minute budget to the panels (the budget governor, in the client, has the last word)."""

    def __init__(self, per_minute: float, burst: int = 10, clock=time.monotonic, sleep=time.sleep):
        self.rate = per_minute / 60.0
        self.burst = burst
        self.tokens = float(burst)
        self.clock, self.sleep = clock, sleep
        self.last = clock()

    def wait(self) -> None:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens < 1:
            self.sleep((1 - self.tokens) / self.rate)
            self.last = self.clock()
            self.tokens = 1.0
        self.tokens -= 1


def default_owner() -> str:
    """Who holds a lease: host, process and thread, for an admin reading the state row."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{threading.get_ident() % 100000}"


def sync_organisation(
    workspace_id: str,
    tenant_id: str,
    *,
    owner: str | None = None,
    resources: Iterable[str] | None = None,
) -> SyncResult:
    """Bring the mirror up to date (first sync or incremental), unless another sync is running.
    `resources` narrows an incremental sync to those (e.g. only quotes, which have no webhook);
    a first sync always reads everything.

    Raises what stopped it (Xero's limits, Xero down, the connection gone) after recording it
    in the state row (`last_error`); the job runner retries with backoff."""
    make_session = current_app.extensions["db_sessionmaker"]
    config = current_app.config
    leases.ensure_state(make_session, workspace_id, tenant_id)
    lease_seconds = int(config.get("MIRROR_LEASE_SECONDS", leases.LEASE_SECONDS))
    held = leases.take(
        make_session, workspace_id, tenant_id, owner or default_owner(), lease_seconds
    )
    if held is None:
        return SyncResult("busy")
    try:
        wanted = set(resources) if resources is not None else None
        return _Run(make_session, held, config, lease_seconds, wanted).run()
    except leases.LeaseLost:
        log.warning("mirror: sync lost its lease", extra={"fields": _fields(held)})
        return SyncResult("lost")
    except Exception as exc:
        _record_failure(make_session, held, exc)
        raise
    finally:
        leases.release(make_session, held)


class _Run:
    def __init__(self, make_session: sessionmaker, held, config, lease_seconds, wanted):
        self.wanted = wanted
        self.make_session = make_session
        self.held = held
        self.lease_seconds = lease_seconds
        self.page_size = int(config.get("MIRROR_PAGE_SIZE", LARGEST_PAGE))
        self.pacer = Pacer(float(config.get("MIRROR_SYNC_CALLS_PER_MINUTE", 50)))
        self.key = (held.workspace_id, held.tenant_id)

    def run(self) -> SyncResult:
        started, first, cursor = self._start()
        client = background_client(self.held.workspace_id)
        if client.tenant_id != self.held.tenant_id:
            raise OrganisationChanged("the workspace is connected to another organisation now")
        pages = documents = 0
        while True:
            pending = [r for r in RESOURCES if cursor[r.name].get("pass")]
            if not pending:
                break
            resource = min(pending, key=lambda r: cursor[r.name]["pass"]["page"])
            documents += self._page(client, resource, cursor, first)
            pages += 1
        matched_at = _matched_at(cursor, started, self.opened)
        self._finish(matched_at, first)
        return SyncResult("synced", pages, documents, matched_at)

    def _start(self) -> tuple[datetime, bool, dict]:
        """Mark the attempt and open a pass for every resource without one (a pass in progress,
        from a sync that was stopped, carries on from its next page)."""
        started = utcnow()
        with self.make_session() as session:
            leases.fence(session, self.held, self.lease_seconds)
            state = session.get(MirrorState, self.key)
            first = state.status != "ready"
            state.last_attempt_at = started
            if first:
                state.status = "first_sync"
                state.first_sync_started_at = state.first_sync_started_at or started
            cursor = copy.deepcopy(state.cursor or {})
            # a stopped run is finished first (its done resources are not read again now)
            interrupted = any(entry.get("pass") for entry in cursor.values())
            chosen = self.wanted if self.wanted is not None and not first else None
            self.opened = set()
            for resource in RESOURCES:
                entry = cursor.setdefault(resource.name, {"synced": False, "newest": None})
                if entry.get("pass"):
                    self.opened.add(resource.name)
                    continue
                if interrupted and entry.get("synced"):
                    continue
                if chosen is None or resource.name in chosen:
                    self.opened.add(resource.name)
                    entry["pass"] = {
                        "page": 1,
                        "since": _since(entry.get("newest")),
                        "newest": None,
                        "opened": started.isoformat(),
                    }
            state.cursor = cursor
            session.commit()
        return started, first, copy.deepcopy(cursor)

    def _read_within_limits(self, resource, client, page_number: int, since):
        """One page, paced; when the governor (or Xero) says wait a little, wait and read it
        again instead of abandoning a long first sync halfway (a longer wait ends the run: the
        job is retried later and resumes from the cursor)."""
        pauses = 0
        while True:
            self.pacer.wait()
            try:
                return resource.read(client, page_number, since, self.page_size)
            except XeroRateLimited as limited:
                wait = max(1, int(limited.retry_after or 1))
                if pauses == PAUSES_PER_PAGE or wait > min(MAX_PAUSE, self.lease_seconds / 2):
                    raise
                pauses += 1
                log.info("mirror: pausing for Xero's limits", extra={"fields": {"seconds": wait}})
                time.sleep(wait)

    def _page(self, client, resource, cursor: dict, first: bool) -> int:
        entry = cursor[resource.name]
        current = entry["pass"]
        since = datetime.fromisoformat(current["since"]) if current["since"] else None
        try:
            page = self._read_within_limits(resource, client, current["page"], since)
        except XeroNotFound:  # an organisation without this resource: nothing to mirror
            log.warning("mirror: Xero has no %s here", resource.name, extra={"fields": {}})
            page = Page([], current["page"], None, None, None)
        newest = _newest(page.items, current["newest"])
        current["changed"] = current.get("changed", 0) + _changed(page.items, entry.get("newest"))
        with self.make_session() as session:
            leases.fence(session, self.held, self.lease_seconds)
            upsert(session, *self.key, page.items)
            if resource.name == "contacts":
                follow_merges(session, *self.key, page.items)
            state = session.get(MirrorState, self.key)
            if first:
                state.documents_read = (state.documents_read or 0) + len(page.items)
                if current["page"] == 1 or page.item_count is None:
                    counted = page.item_count if page.item_count is not None else len(page.items)
                    state.documents_expected = (state.documents_expected or 0) + counted
            if page.has_more and page.items:
                current["page"] += 1
                current["newest"] = newest
            else:  # the pass is over: its newest document is the next pass's cursor
                entry["synced"] = True
                entry["newest"] = _later(newest, entry.get("newest"))
                entry["read_at"] = current.get("opened")
                # passes in a row that found nothing new: the resource is polled less often
                entry["quiet"] = 0 if current["changed"] else entry.get("quiet", 0) + 1
                entry["pass"] = None
            state.cursor = copy.deepcopy(cursor)
            session.commit()
        return len(page.items)

    def _finish(self, matched_at: datetime, first: bool) -> None:
        with self.make_session() as session:
            leases.fence(session, self.held, self.lease_seconds)
            state = session.get(MirrorState, self.key)
            state.status = "ready"
            if first:
                state.first_sync_completed_at = utcnow()
            state.synced_at = matched_at
            state.last_error = None
            session.commit()


def _matched_at(cursor: dict, started: datetime, read: set[str]) -> datetime:
    """When the mirror last matched Xero for what this run read: the start of the oldest of
    those resources' passes (a resumed run may have opened them before it was stopped)."""
    opened = [entry.get("read_at") for name, entry in cursor.items() if name in read]
    return min((datetime.fromisoformat(o) for o in opened if o), default=started)


def _changed(items, known: str | None) -> int:
    """How many of these documents are newer than the newest seen before this pass (the rest
    came back only through the overlap)."""
    if known is None:
        return len(items)
    seen = datetime.fromisoformat(known)
    return sum(1 for item in items if item.updated_at is not None and item.updated_at > seen)


def _since(newest: str | None) -> str | None:
    if not newest:
        return None
    return (datetime.fromisoformat(newest) - OVERLAP).isoformat()


def _newest(items, previous: str | None) -> str | None:
    stamps = [item.updated_at for item in items if item.updated_at is not None]
    if not stamps:
        return previous
    return _later(max(stamps).isoformat(), previous)


def _later(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return max(a, b, key=datetime.fromisoformat)


def _record_failure(make_session: sessionmaker, held: leases.Lease, exc: Exception) -> None:
    """Say why the sync stopped, where admins see it (only while the lease is still ours)."""
    message = describe_failure(exc)
    log.warning("mirror: sync stopped: %s", message, extra={"fields": _fields(held)})
    with make_session() as session:
        session.execute(
            update(MirrorState)
            .where(
                MirrorState.workspace_id == held.workspace_id,
                MirrorState.tenant_id == held.tenant_id,
                MirrorState.lease_token == held.token,
            )
            .values(
                last_error=message,
                status=case(
                    (MirrorState.status == "first_sync", "failed"), else_=MirrorState.status
                ),
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()


def describe_failure(exc: Exception) -> str:
    """A sentence for the admin page (never a token or a customer's data: our own messages)."""
    from widget.connection.errors import ConnectionProblem
    from widget.xero.errors import XeroError, XeroRateLimited

    if isinstance(exc, ConnectionProblem):
        return exc.message_for(True)
    if isinstance(exc, XeroRateLimited):
        return f"Xero's {exc.problem or 'rate'} limit was reached; trying again shortly."
    if isinstance(exc, XeroError):
        return f"Xero could not be read: {exc.message}"[:500]
    if isinstance(exc, OrganisationChanged):
        return str(exc)
    return f"The sync stopped unexpectedly ({type(exc).__name__})."


def _fields(held: leases.Lease) -> dict:
    return {"workspace_id": held.workspace_id, "tenant_id": held.tenant_id}
