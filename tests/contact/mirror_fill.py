"""The organisation mirror filled as fixture data: the sandbox's stored contacts, invoices and
quotes written into the mirror tables (what a completed first sync holds), and the mirror marked
ready. The panels then read it; the tests check what they show against the sandbox's own data."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import delete

from tests.contact.support import ContactServer, ms_day, stored
from tests.panels.rows import ready_state
from widget.contact import links
from widget.db import get_session
from widget.mirror.models import (
    MirrorContact,
    MirrorCreditNote,
    MirrorInvoice,
    MirrorQuote,
    MirrorState,
)
from widget.suggest import email_key, name_key


def fill_mirror(server: ContactServer, workspace_id: str, org_name: str, *, extra=()) -> str:
    """Mirror the organisation for the workspace, plus `extra` rows; returns the tenant id."""
    tenant_id = server.org(org_name).tenant_id
    rows: list = []
    for c in stored(server, org_name, "contact"):
        rows.append(
            MirrorContact(
                workspace_id=workspace_id, tenant_id=tenant_id, contact_id=c["ContactID"],
                name=c["Name"], first_name=c.get("FirstName"), last_name=c.get("LastName"),
                email_address=c.get("EmailAddress") or None, name_key=name_key(c["Name"]),
                email_key=email_key(c.get("EmailAddress")), contact_status=c.get("ContactStatus"),
                is_customer=bool(c.get("IsCustomer")), is_supplier=bool(c.get("IsSupplier")),
                merged_to_contact_id=c.get("MergedToContactID"),
                contact_persons=[
                    {"first_name": p.get("FirstName"), "last_name": p.get("LastName"),
                     "email_address": p.get("EmailAddress")}
                    for p in c.get("ContactPersons") or ()
                ],
            )
        )  # fmt: skip
    for i in stored(server, org_name, "invoice"):
        rows.append(
            MirrorInvoice(
                workspace_id=workspace_id, tenant_id=tenant_id, invoice_id=i["InvoiceID"],
                type=i["Type"], invoice_number=i.get("InvoiceNumber"),
                reference=i.get("Reference"), contact_id=i["Contact"]["ContactID"],
                contact_name=i["Contact"].get("Name"), status=i["Status"],
                date=ms_day(i.get("Date")), due_date=ms_day(i.get("DueDate")),
                currency_code=i.get("CurrencyCode"), currency_rate=_money(i.get("CurrencyRate")),
                sub_total=_money(i.get("SubTotal")), total_tax=_money(i.get("TotalTax")),
                total=_money(i.get("Total")), amount_due=_money(i.get("AmountDue")),
                amount_paid=_money(i.get("AmountPaid")),
                amount_credited=_money(i.get("AmountCredited")),
            )
        )  # fmt: skip
    for q in stored(server, org_name, "quote"):
        rows.append(
            MirrorQuote(
                workspace_id=workspace_id, tenant_id=tenant_id, quote_id=q["QuoteID"],
                quote_number=q.get("QuoteNumber"), reference=q.get("Reference"),
                title=q.get("Title"), contact_id=q["Contact"]["ContactID"],
                contact_name=q["Contact"].get("Name"), status=q["Status"],
                date=ms_day(q.get("Date")), expiry_date=ms_day(q.get("ExpiryDate")),
                currency_code=q.get("CurrencyCode"), currency_rate=_money(q.get("CurrencyRate")),
                sub_total=_money(q.get("SubTotal")), total_tax=_money(q.get("TotalTax")),
                total=_money(q.get("Total")),
            )
        )  # fmt: skip
    with server.app.app_context():
        session = get_session()
        for model in (MirrorContact, MirrorInvoice, MirrorQuote, MirrorCreditNote, MirrorState):
            session.execute(delete(model).where(model.workspace_id == workspace_id))
        session.add_all(rows)
        session.add_all(list(extra))
        session.add(ready_state(workspace_id, tenant_id, synced_at=datetime.now(UTC)))
        session.commit()
    return tenant_id


def add_rows(server: ContactServer, *rows) -> None:
    with server.app.app_context():
        session = get_session()
        session.add_all(rows)
        session.commit()


def _money(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def link_directly(server: ContactServer, workspace_id, tenant_id, crm_id: str, contact) -> None:
    """A link stored as linking stores it (to a contact the panel would no longer offer)."""
    with server.app.app_context():
        session = get_session()
        key = links.LinkKey(workspace_id, tenant_id, crm_id)
        links.link(session, key, contact.contact_id, contact.name, None)
        session.commit()
