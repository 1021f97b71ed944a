"""GET/PUT /Invoices and GET /Invoices/{InvoiceID}: sales invoices (ACCREC) and bills (ACCPAY)."""

from flask import request
from sqlalchemy import select

from widget.sandbox.blueprint import ACCOUNTING, bp, sandbox
from widget.sandbox.checks import check_currency, check_line, date_field, lock_date_problem
from widget.sandbox.compose import priced_lines, totals_json
from widget.sandbox.contacts import new_contact
from widget.sandbox.context import load_context
from widget.sandbox.documents import load, next_value, save
from widget.sandbox.gate import accounting
from widget.sandbox.listing import Listing, sql_where
from widget.sandbox.models import Document
from widget.sandbox.parties import contact_ref, resolve_contact
from widget.sandbox.problems import not_found
from widget.sandbox.query import apply_where, bodies, fetch, fields, id_list
from widget.sandbox.serialise import envelope, iso_date, json_response, ms_date, new_id
from widget.sandbox.writes import create_all

INVOICE_FIELDS = fields(
    "Type Contact Date DueDate Status LineAmountTypes InvoiceNumber Reference CurrencyCode "
    "CurrencyRate SubTotal TotalTax Total InvoiceID AmountDue AmountPaid AmountCredited "
    "UpdatedDateUTC FullyPaidOnDate SentToContact HasAttachments IsDiscounted",
    Type=lambda row: row.type,
    Status=lambda row: row.status,
    Contact__ContactID=lambda row: row.contact_id,
    Date=lambda row: row.date,
    DueDate=lambda row: row.due_date,
    InvoiceNumber=lambda row: row.number,
    InvoiceID=lambda row: row.doc_id,
)
#: What `summaryOnly=true` drops (XERO.md), and what an unpaged list leaves out.
SUMMARY_DROPS = (
    "LineItems",
    "Payments",
    "Prepayments",
    "Overpayments",
    "CreditNotes",
    "HasAttachments",
    "CISDeduction",
)
UNPAGED_DROPS = ("LineItems", "Payments", "Prepayments", "Overpayments", "CreditNotes")
AMOUNT_TYPES = {"exclusive": "Exclusive", "inclusive": "Inclusive", "notax": "NoTax"}
NEW_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED")


def _conditions(args) -> list:
    conditions = []
    lists = (
        ("IDs", Document.doc_id, str.lower),
        ("InvoiceNumbers", Document.number, str),
        ("ContactIDs", Document.contact_id, str.lower),
        ("Statuses", Document.status, str.upper),
    )
    for name, column, normalise in lists:
        values = [normalise(value) for value in id_list(args.get(name))]
        if values:
            conditions.append(column.in_(values))
    return conditions


def _search(records, term: str | None):
    if not term:
        return records
    term = term.lower()
    return [
        r
        for r in records
        if term in (r.row.number or "").lower() or term in (r.body().get("Reference") or "").lower()
    ]


ORDER_COLUMNS = {"invoiceid": Document.doc_id, "invoicenumber": Document.number}


def python_filter(args, spec):
    """The filters done over rows in Python (`where`, `searchTerm`), or None when there are none
    (a `where` of plain equalities on indexed columns goes to SQL: see `where_conditions`)."""
    where, term = args.get("where"), args.get("searchTerm")
    if sql_where(where, spec) is not None:
        where = None
    if not where and not term:
        return None
    return lambda records: _search(apply_where(records, where, spec), term)


def where_conditions(args, spec) -> list:
    return sql_where(args.get("where"), spec) or []


def summary_only(args) -> bool:
    return args.get("summaryOnly", "").lower() == "true"


@bp.get(f"{ACCOUNTING}/Invoices")
@accounting("transactions")
def list_invoices(tenant_id: str):
    args, box = request.args, sandbox()
    listing = Listing(
        "invoice",
        INVOICE_FIELDS,
        ORDER_COLUMNS,
        _conditions(args) + where_conditions(args, INVOICE_FIELDS),
        python_filter(args, INVOICE_FIELDS),
    )
    forced = summary_only(args) or bool(args.get("Statuses"))  # Xero: these force paging
    with box.sessions() as session:
        page = listing.run(session, tenant_id, args, request.headers, paged=forced)
        invoices = bodies(page.records)
    if summary_only(args):
        invoices = [{k: v for k, v in inv.items() if k not in SUMMARY_DROPS} for inv in invoices]
    elif page.pagination is None:
        # Xero sends line items only on paged lists and single GETs
        invoices = [{k: v for k, v in inv.items() if k not in UNPAGED_DROPS} for inv in invoices]
    return json_response(envelope("Invoices", invoices, box.clock.now(), page.pagination))


@bp.get(f"{ACCOUNTING}/Invoices/<invoice_key>")
@accounting("transactions")
def get_invoice(tenant_id: str, invoice_key: str):
    box = sandbox()
    with box.sessions() as session:
        invoice = load(session, tenant_id, "invoice", invoice_key.lower())
        if invoice is None:  # Xero also answers /Invoices/{InvoiceNumber}
            found = fetch(session, tenant_id, "invoice", Document.number == invoice_key)
            invoice = found[0].body() if found else None
    if invoice is None:
        raise not_found()
    return json_response(envelope("Invoices", [invoice], box.clock.now()))


def number_in_use(session, tenant_id: str, kind: str, number: str, doc_type: str | None = None):
    """Whether a stored document of this kind (and type) already has the number."""
    found = select(Document.doc_id).where(
        Document.tenant_id == tenant_id, Document.kind == kind, Document.number == number
    )
    if doc_type is not None:
        found = found.where(Document.type == doc_type)
    return session.scalar(found) is not None


def next_number(session, tenant_id: str, counter: str, prefix: str, taken) -> str:
    while True:
        number = f"{prefix}{next_value(session, tenant_id, counter):04d}"
        if not taken(number):
            return number


class InvoiceBuilder:
    """Checks one submitted invoice or bill and builds what Xero would store."""

    def __init__(self, session, tenant_id: str, now):
        self.session, self.tenant_id, self.now = session, tenant_id, now
        self.ctx = load_context(session, tenant_id, now)
        self.numbers: set[str] = set()
        self.unit_dp = 4 if request.args.get("unitdp") == "4" else 2

    def build(self, item: dict):
        errors: list[str] = []
        kind = item.get("Type")
        if kind not in ("ACCREC", "ACCPAY"):
            errors.append("Invoice Type must be ACCREC or ACCPAY.")
        sales = kind != "ACCPAY"
        contact, is_new = resolve_contact(self.session, self.tenant_id, item.get("Contact"), errors)
        status = str(item.get("Status") or "DRAFT").upper()
        if status not in NEW_STATUSES:
            errors.append(f"Invoice status '{status}' cannot be used when creating an invoice.")
        when = date_field(item, "Date", errors) or self.ctx.today
        due = date_field(item, "DueDate", errors)
        if due and due < when:
            errors.append("Due Date must be on or after the invoice Date.")
        if due is None and status != "DRAFT":
            errors.append("Due Date must be specified for an approved invoice.")
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
            check_line(self.ctx, line, sales, status != "DRAFT", self.unit_dp, errors)
            for line in given_lines
        ]
        number = self._number(item, sales, errors)
        if errors:
            return None, errors
        if is_new:
            contact = new_contact(contact, self.now)
            save(self.session, self.tenant_id, "contact", contact, self.now)
        priced, totals = priced_lines(lines, amount_types, self.ctx.rates())
        if sales and not number:
            number = next_number(self.session, self.tenant_id, "INV", "INV-", self._taken)
        self.numbers.add(number)
        total = totals_json(totals)
        return {
            "Type": kind,
            "InvoiceID": new_id(),
            "InvoiceNumber": number,
            "Reference": str(item.get("Reference") or ""),
            "Contact": contact_ref(contact),
            "Date": ms_date(when),
            "DateString": iso_date(when),
            **({"DueDate": ms_date(due), "DueDateString": iso_date(due)} if due else {}),
            "Status": status,
            "LineAmountTypes": amount_types,
            "LineItems": priced,
            **total,
            "TotalDiscount": 0.0,
            "CurrencyCode": currency,
            "CurrencyRate": float(rate),
            "IsDiscounted": False,
            "HasAttachments": False,
            "HasErrors": False,
            "SentToContact": False,
            "AmountDue": total["Total"],
            "AmountPaid": 0.0,
            "AmountCredited": 0.0,
            "Payments": [],
            "Prepayments": [],
            "Overpayments": [],
            "CreditNotes": [],
            "UpdatedDateUTC": ms_date(self.now),
        }, []

    def _taken(self, number: str) -> bool:
        return number in self.numbers or number_in_use(
            self.session, self.tenant_id, "invoice", number, "ACCREC"
        )

    def _number(self, item: dict, sales: bool, errors: list[str]) -> str:
        number = str(item.get("InvoiceNumber") or "").strip()
        if len(number) > 255:
            errors.append("Invoice # must be 255 characters or fewer.")
        if sales and number and self._taken(number):
            errors.append("Invoice # must be unique.")
        return number


@bp.put(f"{ACCOUNTING}/Invoices")
@accounting("transactions", write=True)
def create_invoices(tenant_id: str):
    box = sandbox()
    now = box.clock.now()
    with box.sessions() as session, session.begin():
        builder = InvoiceBuilder(session, tenant_id, now)
        return create_all(
            "Invoices",
            builder.build,
            lambda invoice: save(session, tenant_id, "invoice", invoice, now),
            now,
        )
