"""Incremental sync: If-Modified-Since per resource (the newest UpdatedDateUTC seen, whole
seconds, rounded down, minus a one-second overlap), de-duplicated by the upsert; documents the
widget creates join the mirror at once; an older copy never overwrites a newer one."""

import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from tests.mirror.support import NZ, connect, count_rows, sandbox_documents
from widget.connection.service import client_for
from widget.mirror.models import MirrorInvoice, MirrorState
from widget.mirror.rows import upsert
from widget.mirror.service import due_resources, note_created
from widget.mirror.sync import sync_organisation
from widget.xero import InvoiceDraft, InvoiceType, LineItemDraft


def _create_invoice(server, connected, amount="42.50"):
    with server.app.app_context():
        client = client_for(connected.workspace_id)
        code = next(a.code for a in client.accounts() if a.type == "REVENUE" and a.code)
        contact = next(
            c["ContactID"]
            for c in sandbox_documents(server, NZ, "contact")
            if c.get("ContactStatus") == "ACTIVE"
        )
        today = server.sandbox.clock.today()
        draft = InvoiceDraft(
            type=InvoiceType.SALES,
            contact_id=contact,
            date=today,
            due_date=today + timedelta(days=14),
            line_items=[LineItemDraft("Mirror test", Decimal("1"), Decimal(amount), code)],
        )
        return client.create_invoice(draft, idempotency_key=secrets.token_hex(12))


def _cursor(server, connected) -> dict:
    with server.app.extensions["db_sessionmaker"]() as session:
        return session.get(MirrorState, (connected.workspace_id, connected.tenant_id)).cursor


def _header(newest_iso: str) -> str:
    moment = datetime.fromisoformat(newest_iso).astimezone(UTC) - timedelta(seconds=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def test_incremental_sync_asks_for_changes_since_the_newest_seen(server):
    connected = connect(server, NZ)
    with server.app.app_context():
        sync_organisation(connected.workspace_id, connected.tenant_id)
    cursor = _cursor(server, connected)
    created = _create_invoice(server, connected)

    mark = server.meter.mark()
    with server.app.app_context():
        result = sync_organisation(connected.workspace_id, connected.tenant_id)
    assert result.outcome == "synced"
    # only what changed, plus what the one-second overlap sends again (de-duplicated)
    assert 1 <= result.documents < 20
    calls = {call.path: call for call in server.meter.since(mark) if call.method == "GET"}
    assert calls["Contacts"].modified_since == _header(cursor["contacts"]["newest"])
    assert calls["Invoices"].modified_since == _header(cursor["invoices"]["newest"])
    assert calls["Quotes"].modified_since == _header(cursor["quotes"]["newest"])
    assert calls["Contacts"].query.get("includeArchived") == "true"

    # whatever Xero sends again (the overlap; the sandbox may even send everything) is merged
    assert count_rows(server, MirrorInvoice, connected) == len(
        sandbox_documents(server, NZ, "invoice")
    )
    with server.app.extensions["db_sessionmaker"]() as session:
        row = session.get(
            MirrorInvoice, (connected.workspace_id, connected.tenant_id, created.invoice_id)
        )
    assert row is not None and row.total == created.total and row.status == "DRAFT"
    newer = _cursor(server, connected)["invoices"]["newest"]
    assert datetime.fromisoformat(newer) >= created.updated_at


def test_a_document_the_widget_created_is_mirrored_at_once(server):
    connected = connect(server, NZ)
    created = _create_invoice(server, connected, amount="17.25")
    mark = server.meter.mark()
    with server.app.app_context():
        note_created(connected.workspace_id, connected.tenant_id, created)
    assert server.meter.since(mark) == []
    with server.app.extensions["db_sessionmaker"]() as session:
        row = session.get(
            MirrorInvoice, (connected.workspace_id, connected.tenant_id, created.invoice_id)
        )
    assert row.total == created.total and row.sub_total == Decimal("17.25")
    assert row.contact_id == created.contact_id


def test_an_older_copy_never_overwrites_a_newer_one(server):
    connected = connect(server, NZ)
    created = _create_invoice(server, connected, amount="9.00")
    older = replace(created, status="VOIDED", updated_at=created.updated_at - timedelta(hours=1))
    newer = replace(
        created, status="AUTHORISED", updated_at=created.updated_at + timedelta(seconds=5)
    )
    key = (connected.workspace_id, connected.tenant_id, created.invoice_id)
    sessions = server.app.extensions["db_sessionmaker"]
    for copy, expected in ((created, "DRAFT"), (older, "DRAFT"), (newer, "AUTHORISED")):
        with sessions() as session:
            upsert(session, connected.workspace_id, connected.tenant_id, [copy])
            session.commit()
        with sessions() as session:
            assert session.get(MirrorInvoice, key).status == expected
    with sessions() as session:
        ids = session.scalars(
            select(MirrorInvoice.invoice_id).where(MirrorInvoice.invoice_id == created.invoice_id)
        ).all()
    assert ids == [created.invoice_id]


def test_a_resource_whose_polls_find_nothing_new_is_polled_less_often(server):
    connected = connect(server, NZ)
    with server.app.app_context():
        sync_organisation(connected.workspace_id, connected.tenant_id)
        sync_organisation(connected.workspace_id, connected.tenant_id)  # nothing changed
    quiet = _cursor(server, connected)
    assert all(quiet[name]["quiet"] == 1 for name in ("contacts", "invoices", "quotes"))
    _create_invoice(server, connected, amount="3.00")
    with server.app.app_context():
        sync_organisation(connected.workspace_id, connected.tenant_id)
    after = _cursor(server, connected)
    assert after["invoices"]["quiet"] == 0 and after["quotes"]["quiet"] == 2

    now = datetime.fromisoformat(after["quotes"]["read_at"]) + timedelta(seconds=150)
    server.app.config["MIRROR_WEBHOOKS"] = False
    try:
        with server.app.app_context():
            # target 60 s: invoices (a change seen) are due after 60 s, quotes (2 quiet
            # passes) after 240 s, never later than MIRROR_QUIET_MAX_SECONDS
            assert due_resources(after, now, timedelta(seconds=60)) == ["invoices"]
            later = now + timedelta(seconds=120)
            assert due_resources(after, later, timedelta(seconds=60)) == [
                "contacts",
                "invoices",
                "credit_notes",
                "quotes",
            ]
    finally:
        server.app.config["MIRROR_WEBHOOKS"] = None
