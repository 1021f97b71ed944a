"""Fixture data for the mirror: rows written straight into the mirror tables (what the sync would
have stored), with the search keys the sync writes (widget.suggest.name_key / email_key)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from widget.mirror.models import (
    MirrorContact,
    MirrorCreditNote,
    MirrorInvoice,
    MirrorQuote,
    MirrorState,
)
from widget.suggest import email_key, name_key

UPDATED = datetime(2026, 3, 1, tzinfo=UTC)


def new_id() -> str:
    return str(uuid.uuid4())


def ready_state(workspace_id, tenant_id, *, synced_at=UPDATED, status="ready") -> MirrorState:
    return MirrorState(
        workspace_id=workspace_id, tenant_id=tenant_id, status=status, cursor={},
        documents_read=0, synced_at=synced_at,
        first_sync_completed_at=synced_at if status == "ready" else None,
    )  # fmt: skip


def contact_row(
    workspace_id,
    tenant_id,
    name,
    email=None,
    *,
    contact_id=None,
    persons=(),
    first=None,
    last=None,
    status="ACTIVE",
    merged_to=None,
) -> MirrorContact:
    return MirrorContact(
        workspace_id=workspace_id, tenant_id=tenant_id, contact_id=contact_id or new_id(),
        name=name, first_name=first, last_name=last, email_address=email,
        name_key=name_key(name), email_key=email_key(email), contact_status=status,
        is_customer=True, is_supplier=False, merged_to_contact_id=merged_to,
        contact_persons=[{"first_name": None, "last_name": None, "email_address": e}
                         for e in persons],
        xero_updated_at=UPDATED,
    )  # fmt: skip


def invoice_row(
    workspace_id,
    tenant_id,
    contact_id,
    *,
    type="ACCREC",
    status="AUTHORISED",
    total="100.00",
    due=None,
    day=date(2026, 2, 1),
    due_date=date(2026, 3, 1),
    currency="NZD",
    rate="1",
    number=None,
    invoice_id=None,
) -> MirrorInvoice:
    total = Decimal(total)
    amount_due = Decimal(due) if due is not None else total
    return MirrorInvoice(
        workspace_id=workspace_id, tenant_id=tenant_id, invoice_id=invoice_id or new_id(),
        type=type, invoice_number=number, reference=None, contact_id=contact_id,
        contact_name="Fixture", status=status, date=day, due_date=due_date,
        currency_code=currency, currency_rate=Decimal(rate), sub_total=total,
        total_tax=Decimal(0), total=total, amount_due=amount_due,
        amount_paid=total - amount_due, amount_credited=Decimal(0), xero_updated_at=UPDATED,
    )  # fmt: skip


def quote_row(
    workspace_id,
    tenant_id,
    contact_id,
    *,
    status="SENT",
    total="50.00",
    day=date(2026, 2, 1),
    expiry=date(2026, 4, 1),
    number=None,
) -> MirrorQuote:
    return MirrorQuote(
        workspace_id=workspace_id, tenant_id=tenant_id, quote_id=new_id(), quote_number=number,
        reference=None, contact_id=contact_id, contact_name="Fixture", status=status, date=day,
        expiry_date=expiry, currency_code="NZD", currency_rate=Decimal(1),
        sub_total=Decimal(total), total_tax=Decimal(0), total=Decimal(total),
        xero_updated_at=UPDATED,
    )  # fmt: skip


def credit_row(
    workspace_id,
    tenant_id,
    contact_id,
    *,
    type="ACCRECCREDIT",
    status="AUTHORISED",
    total="30.00",
    remaining="30.00",
    number=None,
    rate="1",
    currency="NZD",
) -> MirrorCreditNote:
    return MirrorCreditNote(
        workspace_id=workspace_id, tenant_id=tenant_id, credit_note_id=new_id(), type=type,
        credit_note_number=number, reference=None, contact_id=contact_id,
        contact_name="Fixture", status=status, date=date(2026, 2, 2), currency_code=currency,
        currency_rate=Decimal(rate), total=Decimal(total), remaining_credit=Decimal(remaining),
        xero_updated_at=UPDATED,
    )  # fmt: skip
