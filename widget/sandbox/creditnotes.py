"""GET/PUT /CreditNotes, GET /CreditNotes/{CreditNoteID} and PUT …/{CreditNoteID}/Allocations:
credit notes to customers (ACCRECCREDIT) and from suppliers (ACCPAYCREDIT)."""

from flask import request

from widget.sandbox.blueprint import ACCOUNTING, bp, sandbox
from widget.sandbox.checks import check_currency, check_line, date_field, lock_date_problem
from widget.sandbox.compose import priced_lines, totals_json
from widget.sandbox.contacts import new_contact
from widget.sandbox.context import load_context
from widget.sandbox.documents import load, save
from widget.sandbox.gate import accounting
from widget.sandbox.invoices import (
    AMOUNT_TYPES,
    UNPAGED_DROPS,
    next_number,
    number_in_use,
    python_filter,
    where_conditions,
)
from widget.sandbox.listing import Listing
from widget.sandbox.models import Document
from widget.sandbox.parties import contact_ref, resolve_contact
from widget.sandbox.problems import not_found, validation_failed
from widget.sandbox.query import bodies, fetch, fields, id_list
from widget.sandbox.serialise import envelope, iso_date, json_response, ms_date, new_id
from widget.sandbox.settle import allocate, allocation_problems, dec
from widget.sandbox.writes import create_all, failed_element, submitted

CREDIT_NOTE_FIELDS = fields(
    "Type Contact Date Status LineAmountTypes CreditNoteNumber Reference CurrencyCode "
    "CurrencyRate SubTotal TotalTax Total CreditNoteID RemainingCredit UpdatedDateUTC "
    "FullyPaidOnDate SentToContact HasAttachments",
    Type=lambda row: row.type,
    Status=lambda row: row.status,
    Contact__ContactID=lambda row: row.contact_id,
    Date=lambda row: row.date,
    CreditNoteNumber=lambda row: row.number,
    CreditNoteID=lambda row: row.doc_id,
)
ORDER_COLUMNS = {"creditnoteid": Document.doc_id, "creditnotenumber": Document.number}
TYPES = ("ACCRECCREDIT", "ACCPAYCREDIT")
NEW_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED")


def _conditions(args) -> list:
    ids = [value.lower() for value in id_list(args.get("IDs"))]
    return [Document.doc_id.in_(ids)] if ids else []


@bp.get(f"{ACCOUNTING}/CreditNotes")
@accounting("transactions")
def list_credit_notes(tenant_id: str):
    args, box = request.args, sandbox()
    filtered = python_filter({"where": args.get("where")}, CREDIT_NOTE_FIELDS)
    conditions = _conditions(args) + where_conditions(args, CREDIT_NOTE_FIELDS)
    listing = Listing("creditnote", CREDIT_NOTE_FIELDS, ORDER_COLUMNS, conditions, filtered)
    with box.sessions() as session:
        page = listing.run(session, tenant_id, args, request.headers, paged=False)
        notes = bodies(page.records)
    if page.pagination is None:  # like invoices: line items only on paged lists
        notes = [{k: v for k, v in note.items() if k not in UNPAGED_DROPS} for note in notes]
    return json_response(envelope("CreditNotes", notes, box.clock.now(), page.pagination))


def _find(session, tenant_id: str, key: str) -> dict | None:
    note = load(session, tenant_id, "creditnote", key.lower())
    if note is None:  # like invoices, by number too
        found = fetch(session, tenant_id, "creditnote", Document.number == key)
        note = found[0].body() if found else None
    return note


@bp.get(f"{ACCOUNTING}/CreditNotes/<note_key>")
@accounting("transactions")
def get_credit_note(tenant_id: str, note_key: str):
    box = sandbox()
    with box.sessions() as session:
        note = _find(session, tenant_id, note_key)
    if note is None:
        raise not_found()
    return json_response(envelope("CreditNotes", [note], box.clock.now()))


class CreditNoteBuilder:
    """Checks one submitted credit note and builds what Xero would store."""

    def __init__(self, session, tenant_id: str, now):
        self.session, self.tenant_id, self.now = session, tenant_id, now
        self.ctx = load_context(session, tenant_id, now)
        self.numbers: set[str] = set()

    def build(self, item: dict):
        errors: list[str] = []
        kind = item.get("Type")
        if kind not in TYPES:
            errors.append("Credit note Type must be ACCRECCREDIT or ACCPAYCREDIT.")
        sales = kind != "ACCPAYCREDIT"
        contact, is_new = resolve_contact(self.session, self.tenant_id, item.get("Contact"), errors)
        status = str(item.get("Status") or "DRAFT").upper()
        if status not in NEW_STATUSES:
            errors.append(f"Credit note status '{status}' cannot be used when creating one.")
        when = date_field(item, "Date", errors) or self.ctx.today
        locked = lock_date_problem(self.ctx, when)
        if locked:
            errors.append(locked)
        amount_types = AMOUNT_TYPES.get(str(item.get("LineAmountTypes") or "Exclusive").lower())
        if amount_types is None:
            errors.append(f"LineAmountTypes '{item.get('LineAmountTypes')}' is not valid.")
        currency, rate = check_currency(self.ctx, item, errors)
        given_lines = item.get("LineItems")
        if not isinstance(given_lines, list) or not given_lines:
            errors.append("At least one line item must be specified.")
            given_lines = []
        lines = [
            check_line(self.ctx, line, sales, status != "DRAFT", 2, errors) for line in given_lines
        ]
        number = str(item.get("CreditNoteNumber") or "").strip()
        if number and self._taken(number):
            errors.append("Credit Note # must be unique.")
        if errors:
            return None, errors
        if is_new:
            contact = new_contact(contact, self.now)
            save(self.session, self.tenant_id, "contact", contact, self.now)
        priced, totals = priced_lines(lines, amount_types or "Exclusive", self.ctx.rates())
        if sales and not number:
            number = next_number(self.session, self.tenant_id, "CN", "CN-", self._taken)
        self.numbers.add(number)
        total = totals_json(totals)
        return {
            "Type": kind,
            "CreditNoteID": new_id(),
            "CreditNoteNumber": number,
            "Reference": str(item.get("Reference") or ""),
            "Contact": contact_ref(contact),
            "Date": ms_date(when),
            "DateString": iso_date(when),
            "Status": status,
            "LineAmountTypes": amount_types,
            "LineItems": priced,
            **total,
            "CurrencyCode": currency,
            "CurrencyRate": float(rate),
            "RemainingCredit": total["Total"],
            "Allocations": [],
            "Payments": [],
            "HasAttachments": False,
            "HasErrors": False,
            "SentToContact": False,
            "UpdatedDateUTC": ms_date(self.now),
        }, []

    def _taken(self, number: str) -> bool:
        return number in self.numbers or number_in_use(
            self.session, self.tenant_id, "creditnote", number
        )


@bp.put(f"{ACCOUNTING}/CreditNotes")
@accounting("transactions", write=True)
def create_credit_notes(tenant_id: str):
    box = sandbox()
    now = box.clock.now()
    with box.sessions() as session, session.begin():
        builder = CreditNoteBuilder(session, tenant_id, now)
        return create_all(
            "CreditNotes",
            builder.build,
            lambda note: save(session, tenant_id, "creditnote", note, now),
            now,
        )


@bp.put(f"{ACCOUNTING}/CreditNotes/<note_id>/Allocations")
@accounting("transactions", write=True)
def allocate_credit_note(tenant_id: str, note_id: str):
    box = sandbox()
    now = box.clock.now()
    with box.sessions() as session, session.begin():
        note = load(session, tenant_id, "creditnote", note_id.lower())
        if note is None:
            raise not_found()
        ctx = load_context(session, tenant_id, now)
        invoices: dict[str, dict] = {}  # one copy per invoice, however many allocations
        made = [
            _allocation(session, tenant_id, note, item, ctx.today, invoices)
            for item in submitted("Allocations")
        ]
        failures = [failed for failed, _ in made if failed]
        if failures:
            raise validation_failed(failures)
        for invoice in invoices.values():
            save(session, tenant_id, "invoice", invoice, now)
        save(session, tenant_id, "creditnote", note, now)
    answers = [allocation | {"CreditNote": _brief(note)} for _, allocation in made]
    return json_response(envelope("Allocations", answers, now))


def _allocation(session, tenant_id: str, note: dict, item: dict, today, invoices: dict):
    """(a failed element or None, the Allocation JSON or None); changed invoices in `invoices`."""
    errors: list[str] = []
    invoice_ref = item.get("Invoice") if isinstance(item.get("Invoice"), dict) else {}
    invoice_id = str(invoice_ref.get("InvoiceID", "")).lower()
    invoice = invoices.get(invoice_id) or load(session, tenant_id, "invoice", invoice_id)
    if invoice is None:
        return failed_element(item, ["Invoice could not be found."]), None
    when = date_field(item, "Date", errors) or today
    try:
        amount = dec(item.get("Amount"))
    except ArithmeticError:
        amount = dec(0)
        errors.append("Amount must be a number.")
    errors += allocation_problems(note, invoice, amount)
    if errors:
        return failed_element(item, errors), None
    invoices[invoice_id] = invoice
    return None, allocate(note, invoice, new_id(), amount, when)


def _brief(note: dict) -> dict:
    keys = ("CreditNoteID", "CreditNoteNumber", "Type", "Status", "RemainingCredit")
    return {key: note.get(key) for key in keys}
