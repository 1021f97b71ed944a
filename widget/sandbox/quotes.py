"""GET/PUT /Quotes and GET /Quotes/{QuoteID} (always paged: 100 a page, with line items)."""

from flask import request

from widget.sandbox.blueprint import ACCOUNTING, bp, sandbox
from widget.sandbox.checks import check_currency, check_line, date_field
from widget.sandbox.compose import priced_lines, totals_json
from widget.sandbox.contacts import new_contact
from widget.sandbox.context import load_context
from widget.sandbox.documents import load, save
from widget.sandbox.gate import accounting
from widget.sandbox.invoices import next_number, number_in_use
from widget.sandbox.listing import Listing
from widget.sandbox.models import Document
from widget.sandbox.parties import contact_ref, resolve_contact
from widget.sandbox.problems import not_found
from widget.sandbox.query import bodies, date_arg, fields
from widget.sandbox.serialise import envelope, iso_date, json_response, ms_date, new_id
from widget.sandbox.writes import create_all

AMOUNT_TYPES = {"exclusive": "EXCLUSIVE", "inclusive": "INCLUSIVE", "notax": "NOTAX"}
NEW_STATUSES = ("DRAFT", "SENT")


def _conditions(args) -> list:
    conditions = []
    if args.get("ContactID"):
        conditions.append(Document.contact_id == args["ContactID"].strip().lower())
    if args.get("Status"):
        conditions.append(Document.status == args["Status"].strip().upper())
    if args.get("QuoteNumber"):
        conditions.append(Document.number == args["QuoteNumber"].strip())
    bounds = (
        ("DateFrom", Document.date, True),
        ("DateTo", Document.date, False),
        ("ExpiryDateFrom", Document.expiry_date, True),
        ("ExpiryDateTo", Document.expiry_date, False),
    )
    for name, column, lower in bounds:
        value = date_arg(args, name)
        if value is not None:
            conditions.append(column >= value if lower else column <= value)
    return conditions


QUOTE_FIELDS = fields(
    "QuoteID QuoteNumber Reference Contact Date ExpiryDate Status CurrencyCode SubTotal TotalTax "
    "Total UpdatedDateUTC Title",
    QuoteID=lambda row: row.doc_id,
    QuoteNumber=lambda row: row.number,
    Status=lambda row: row.status,
    Date=lambda row: row.date,
    ExpiryDate=lambda row: row.expiry_date,
    Contact__ContactID=lambda row: row.contact_id,
)
ORDER_COLUMNS = {
    "quoteid": Document.doc_id,
    "quotenumber": Document.number,
    "expirydate": Document.expiry_date,
}


@bp.get(f"{ACCOUNTING}/Quotes")
@accounting("transactions")
def list_quotes(tenant_id: str):
    box = sandbox()
    listing = Listing("quote", QUOTE_FIELDS, ORDER_COLUMNS, _conditions(request.args))
    with box.sessions() as session:
        page = listing.run(
            session, tenant_id, request.args, request.headers, paged=True, sized=False
        )
        quotes = bodies(page.records)
    return json_response(envelope("Quotes", quotes, box.clock.now()))


@bp.get(f"{ACCOUNTING}/Quotes/<quote_id>")
@accounting("transactions")
def get_quote(tenant_id: str, quote_id: str):
    box = sandbox()
    with box.sessions() as session:
        quote = load(session, tenant_id, "quote", quote_id.lower())
    if quote is None:
        raise not_found()
    return json_response(envelope("Quotes", [quote], box.clock.now()))


class QuoteBuilder:
    def __init__(self, session, tenant_id: str, now):
        self.session, self.tenant_id, self.now = session, tenant_id, now
        self.ctx = load_context(session, tenant_id, now)
        self.numbers: set[str] = set()

    def build(self, item: dict):
        errors: list[str] = []
        contact, is_new = resolve_contact(self.session, self.tenant_id, item.get("Contact"), errors)
        when = date_field(item, "Date", errors)
        if when is None and not item.get("Date"):
            errors.append("Date must be specified.")
        expiry = date_field(item, "ExpiryDate", errors)
        if when and expiry and expiry < when:
            errors.append("Expiry date must be on or after the quote Date.")
        status = str(item.get("Status") or "DRAFT").upper()
        if status not in NEW_STATUSES:
            errors.append(f"Quote status '{status}' cannot be used when creating a quote.")
        amount_types = AMOUNT_TYPES.get(str(item.get("LineAmountTypes") or "EXCLUSIVE").lower())
        if amount_types is None:
            errors.append(f"LineAmountTypes '{item.get('LineAmountTypes')}' is not valid.")
        currency, rate = check_currency(self.ctx, item, errors)
        given_lines = item.get("LineItems")
        if not isinstance(given_lines, list) or not given_lines:
            errors.append("At least one line item must be specified.")
            given_lines = []
        lines = [check_line(self.ctx, line, True, False, 4, errors) for line in given_lines]
        number = str(item.get("QuoteNumber") or "").strip()
        if number and self._taken(number):
            errors.append("Quote number must be unique.")
        if errors:
            return None, errors
        if is_new:
            contact = new_contact(contact, self.now)
            save(self.session, self.tenant_id, "contact", contact, self.now)
        priced, totals = priced_lines(lines, amount_types, self.ctx.rates())
        number = number or next_number(self.session, self.tenant_id, "QU", "QU-", self._taken)
        self.numbers.add(number)
        quote = {
            "QuoteID": new_id(),
            "QuoteNumber": number,
            "Reference": str(item.get("Reference") or ""),
            "Terms": str(item.get("Terms") or ""),
            "Contact": contact_ref(contact),
            "LineItems": priced,
            "Date": ms_date(when),
            "DateString": iso_date(when),
            "Status": status,
            "CurrencyCode": currency,
            "CurrencyRate": float(rate),
            **totals_json(totals),
            "TotalDiscount": 0.0,
            "Title": str(item.get("Title") or ""),
            "Summary": str(item.get("Summary") or ""),
            "UpdatedDateUTC": ms_date(self.now),
            "LineAmountTypes": amount_types,
        }
        if expiry:
            quote.update(ExpiryDate=ms_date(expiry), ExpiryDateString=iso_date(expiry))
        return quote, []

    def _taken(self, number: str) -> bool:
        return number in self.numbers or number_in_use(
            self.session, self.tenant_id, "quote", number
        )


@bp.put(f"{ACCOUNTING}/Quotes")
@accounting("transactions", write=True)
def create_quotes(tenant_id: str):
    box = sandbox()
    now = box.clock.now()
    with box.sessions() as session, session.begin():
        builder = QuoteBuilder(session, tenant_id, now)
        return create_all(
            "Quotes", builder.build, lambda q: save(session, tenant_id, "quote", q, now), now
        )
