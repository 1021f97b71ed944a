"""POST /webhooks/xero: Xero's signature (good, bad), the intent-to-receive check, replayed and
unknown-tenant events, and the named documents fetched by id into the mirror after answering."""

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from datetime import UTC, datetime

import requests
from sqlalchemy import func, select

from tests.mirror.support import NZ, connect, rows_of, synced, xero_put
from widget.mirror.models import MirrorInvoice, WebhookEvent
from widget.sandbox import actions

KEY = "test-webhook-key"


def _signature(body: bytes, key: str = KEY) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def _post(server, body: bytes, signature: str | None = None):
    headers = {"Content-Type": "application/json"}
    headers["x-xero-signature"] = _signature(body) if signature is None else signature
    return requests.post(f"{server.url}/webhooks/xero", data=body, headers=headers, timeout=10)


def _batch(*events: dict) -> bytes:
    return json.dumps(
        {
            "events": list(events),
            "firstEventSequence": 1,
            "lastEventSequence": len(events),
            "entropy": secrets.token_hex(10),
        }
    ).encode()


def _event(tenant_id: str, category: str, resource_id: str) -> dict:
    path = {"INVOICE": "Invoices", "CONTACT": "Contacts", "CREDITNOTE": "CreditNotes"}[category]
    return {
        "resourceUrl": f"https://api.xero.com/api.xro/2.0/{path}/{resource_id}",
        "resourceId": resource_id,
        "eventDateUtc": datetime.now(UTC).isoformat(),
        "eventType": "UPDATE",
        "eventCategory": category,
        "tenantId": tenant_id,
        "tenantType": "ORGANISATION",
    }


def _events_stored(server, tenant_id: str) -> int:
    with server.app.extensions["db_sessionmaker"]() as session:
        return session.scalar(
            select(func.count())
            .select_from(WebhookEvent)
            .where(WebhookEvent.tenant_id == tenant_id)
        )


def test_intent_to_receive_answers_200_signed_and_401_otherwise(server):
    body = _batch()
    good = _post(server, body)
    assert good.status_code == 200 and good.content == b""
    bad = _post(server, body, _signature(body, "another-key"))
    assert bad.status_code == 401 and bad.content == b""
    assert _post(server, body, "").status_code == 401
    assert _post(server, body + b" ", _signature(body)).status_code == 401  # body changed


def test_a_signed_event_brings_the_named_invoice_into_the_mirror(server):
    connected = connect(server, NZ)
    synced(server, connected)
    invoice = next(
        row
        for row in rows_of(server, MirrorInvoice, connected, MirrorInvoice.status == "AUTHORISED")
        if row.type == "ACCREC" and row.amount_due and row.amount_paid == 0
    )
    server.sandbox.clock.advance(seconds=2)
    payment = {
        "Invoice": {"InvoiceID": invoice.invoice_id},
        "Account": {"Code": "090"},
        "Date": server.sandbox.clock.today().isoformat(),
        "Amount": str(invoice.amount_due),
    }
    xero_put(server, "Payments", {"Payments": [payment]})
    body = _batch(_event(connected.tenant_id, "INVOICE", invoice.invoice_id))

    mark = server.meter.mark()
    answer = _post(server, body)
    assert answer.status_code == 200 and answer.content == b""
    server.wait_for_jobs()
    fetched = [c for c in server.meter.since(mark) if c.path == "Invoices"]
    assert fetched and all(c.query.get("IDs") == invoice.invoice_id for c in fetched)
    assert all(c.modified_since is None for c in fetched)
    (row,) = rows_of(
        server, MirrorInvoice, connected, MirrorInvoice.invoice_id == invoice.invoice_id
    )
    assert row.status == "PAID" and row.amount_due == 0

    # Xero delivers the same batch again: taken once, nothing fetched twice
    mark = server.meter.mark()
    assert _post(server, body).status_code == 200
    server.wait_for_jobs()
    assert server.meter.since(mark) == []


def test_events_for_an_unknown_organisation_are_ignored(server):
    stranger = str(uuid.uuid4())
    mark = server.meter.mark()
    body = _batch(_event(stranger, "CONTACT", str(uuid.uuid4())))
    assert _post(server, body).status_code == 200
    server.wait_for_jobs()
    assert server.meter.since(mark) == []
    assert _events_stored(server, stranger) == 0


def test_a_wrongly_signed_batch_is_refused_and_not_taken(server):
    connected = connect(server, NZ)
    before = _events_stored(server, connected.tenant_id)
    body = _batch(_event(connected.tenant_id, "CONTACT", str(uuid.uuid4())))
    assert _post(server, body, _signature(body, "guess")).status_code == 401
    assert _events_stored(server, connected.tenant_id) == before


def test_an_oversized_or_malformed_body_gets_a_clear_4xx(server):
    huge = b'{"events": [' + b" " * (300 * 1024) + b"]}"
    assert _post(server, huge).status_code == 413
    assert _post(server, b"not json").status_code == 400
    assert _post(server, b'{"events": "no"}').status_code == 400


def test_a_payment_in_xero_reaches_the_mirror_by_webhook_without_a_sync(server):
    """The sandbox sends Xero-shaped signed events to this app's /webhooks/xero (after its
    intent-to-receive check); the follow-up job fetches the paid invoice by id."""
    connected = connect(server, NZ)
    synced(server, connected)
    invoice = next(
        row
        for row in rows_of(server, MirrorInvoice, connected, MirrorInvoice.status == "AUTHORISED")
        if row.type == "ACCREC" and row.amount_due and row.amount_paid == 0
    )
    server.sandbox.webhooks.switch(on=True)
    try:
        server.sandbox.clock.advance(seconds=2)
        actions.pay(server.sandbox, connected.tenant_id, invoice.invoice_id)
        same = MirrorInvoice.invoice_id == invoice.invoice_id
        deadline = time.monotonic() + 30
        while rows_of(server, MirrorInvoice, connected, same)[0].status != "PAID":
            assert time.monotonic() < deadline, "the webhook's fetch did not arrive"
            time.sleep(0.1)
    finally:
        server.sandbox.webhooks.switch(on=False)
        server.sandbox.webhooks.clear_switches()
    (row,) = rows_of(server, MirrorInvoice, connected, same)
    assert row.amount_due == 0 and row.amount_paid == invoice.amount_due
