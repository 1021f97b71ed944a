"""Xero's webhooks: a signed batch of events naming changed contacts, invoices and credit notes.

The signature (`x-xero-signature`) is base64(HMAC-SHA256(raw body, webhook key)), compared in
constant time. An empty event list is Xero's intent-to-receive check: 200 for a correct
signature, 401 otherwise. Events are de-duplicated (Xero redelivers) by a digest of what they
say; unknown organisations are ignored. The documents themselves are fetched after answering,
by a background job (Xero wants an answer within 5 seconds).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from widget import jobs
from widget.auth.clock import utcnow
from widget.connection.models import XeroConnection
from widget.mirror.jobs import WEBHOOK_FETCH
from widget.mirror.models import WebhookEvent

#: a batch of webhook events is small; anything larger is refused before it is read
MAX_BODY_BYTES = 256 * 1024
#: events are remembered this long (Xero retries a delivery for about a day)
KEEP_EVENTS = timedelta(days=2)
CATEGORIES = {"CONTACT": "contacts", "INVOICE": "invoices", "CREDITNOTE": "credit_notes"}


class BadWebhook(Exception):
    """Not a well-formed event batch (after a good signature: answered 400)."""


@dataclass(frozen=True)
class Taken:
    events: int
    new: int
    #: tenant id -> kind -> ids to fetch
    fetches: dict[str, dict[str, list[str]]]


def signature_ok(body: bytes, signature: str | None, key: str) -> bool:
    if not signature or not key:
        return False
    digest = hmac.new(key.encode("utf-8"), body, hashlib.sha256).digest()
    expected = base64.b64encode(digest)
    return hmac.compare_digest(expected, signature.strip().encode("ascii", "replace"))


def webhook_key() -> str:
    return current_app.config.get("XERO_WEBHOOK_KEY") or ""


def events_of(body: bytes) -> list[dict]:
    try:
        payload = json.loads(body or b"{}")
    except ValueError as exc:
        raise BadWebhook("not JSON") from exc
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise BadWebhook("no events list")
    return events


def event_key(event: dict) -> str:
    """What makes an event the same event when Xero delivers it again."""
    parts = [
        str(event.get(name, ""))
        for name in ("tenantId", "eventCategory", "eventType", "resourceId", "eventDateUtc")
    ]
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()


def take(events: list[dict]) -> Taken:
    """Record the events not seen before (for known organisations) and queue their fetches."""
    known = _known_tenants({str(event.get("tenantId", "")) for event in events})
    fetches: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    new = 0
    make_session = current_app.extensions["db_sessionmaker"]
    for event in events:
        tenant_id = str(event.get("tenantId", ""))
        kind = CATEGORIES.get(str(event.get("eventCategory", "")).upper())
        resource_id = str(event.get("resourceId", ""))
        if tenant_id not in known or kind is None or not _looks_like_id(resource_id):
            continue
        if not _first_time(make_session, event_key(event), tenant_id):
            continue
        new += 1
        fetches[tenant_id][kind].append(resource_id)
    _forget_old_events(make_session)
    plain = {tenant: dict(kinds) for tenant, kinds in fetches.items()}
    for tenant_id, changed in plain.items():
        jobs.enqueue(WEBHOOK_FETCH, tenant_id, changed)
    return Taken(len(events), new, plain)


def _known_tenants(tenant_ids: set[str]) -> set[str]:
    with current_app.extensions["db_sessionmaker"]() as session:
        return set(
            session.scalars(
                select(XeroConnection.tenant_id).where(
                    XeroConnection.tenant_id.in_(tenant_ids), XeroConnection.status == "running"
                )
            )
        )


def _first_time(make_session, key: str, tenant_id: str) -> bool:
    with make_session() as session:
        session.add(WebhookEvent(event_key=key, tenant_id=tenant_id[:64], received_at=utcnow()))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return False
    return True


def _forget_old_events(make_session) -> None:
    with make_session() as session:
        session.execute(
            delete(WebhookEvent).where(WebhookEvent.received_at < utcnow() - KEEP_EVENTS)
        )
        session.commit()


def _looks_like_id(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
