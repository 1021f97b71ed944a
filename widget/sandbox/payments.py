"""PUT /Payments (a payment against an AUTHORISED invoice or bill), GET /Payments and
GET /Payments/{PaymentID}. A payment changes its invoice's AmountPaid/AmountDue (PAID when
nothing is left due) and UpdatedDateUTC, so an incremental sync of Invoices sees it."""

from flask import request

from widget.sandbox.blueprint import ACCOUNTING, bp, sandbox
from widget.sandbox.checks import date_field, lock_date_problem
from widget.sandbox.context import load_context
from widget.sandbox.documents import load, save
from widget.sandbox.gate import accounting
from widget.sandbox.invoices import python_filter
from widget.sandbox.listing import Listing
from widget.sandbox.models import Document
from widget.sandbox.problems import not_found
from widget.sandbox.query import bodies, fetch, fields
from widget.sandbox.serialise import envelope, json_response, money, ms_date, new_id
from widget.sandbox.settle import apply_payment, dec, payment_problems
from widget.sandbox.writes import create_all

PAYMENT_FIELDS = fields(
    "PaymentID Date Amount Reference Status PaymentType UpdatedDateUTC Invoice Account "
    "CurrencyRate IsReconciled",
    PaymentID=lambda row: row.doc_id,
    Status=lambda row: row.status,
    PaymentType=lambda row: row.type,
    Date=lambda row: row.date,
    Invoice__InvoiceID=lambda row: row.number,
)


@bp.get(f"{ACCOUNTING}/Payments")
@accounting("transactions")
def list_payments(tenant_id: str):
    args, box = request.args, sandbox()
    filtered = python_filter({"where": args.get("where")}, PAYMENT_FIELDS)
    listing = Listing("payment", PAYMENT_FIELDS, {"paymentid": Document.doc_id}, [], filtered)
    with box.sessions() as session:
        page = listing.run(session, tenant_id, args, request.headers, paged=False)
        payments = bodies(page.records)
    return json_response(envelope("Payments", payments, box.clock.now(), page.pagination))


@bp.get(f"{ACCOUNTING}/Payments/<payment_id>")
@accounting("transactions")
def get_payment(tenant_id: str, payment_id: str):
    box = sandbox()
    with box.sessions() as session:
        payment = load(session, tenant_id, "payment", payment_id.lower())
    if payment is None:
        raise not_found()
    return json_response(envelope("Payments", [payment], box.clock.now()))


def find_invoice(session, tenant_id: str, given) -> dict | None:
    """The invoice a payment names: by InvoiceID or InvoiceNumber."""
    if not isinstance(given, dict):
        return None
    if given.get("InvoiceID"):
        return load(session, tenant_id, "invoice", str(given["InvoiceID"]).lower())
    if given.get("InvoiceNumber"):
        found = fetch(session, tenant_id, "invoice", Document.number == given["InvoiceNumber"])
        return found[0].body() if found else None
    return None


class PaymentBuilder:
    """Checks one submitted payment, applies it to its (cached) invoice, builds the Payment."""

    def __init__(self, session, tenant_id: str, now):
        self.session, self.tenant_id, self.now = session, tenant_id, now
        self.ctx = load_context(session, tenant_id, now)
        self.invoices: dict[str, dict] = {}

    def build(self, item: dict):
        errors: list[str] = []
        invoice = self._invoice(item.get("Invoice"))
        if invoice is None:
            errors.append("Invoice could not be found")
        account = self._account(item.get("Account"), errors)
        when = date_field(item, "Date", errors) or self.ctx.today
        locked = lock_date_problem(self.ctx, when)
        if locked:
            errors.append(locked)
        try:
            amount = dec(item.get("Amount"))
        except ArithmeticError:
            errors.append("Amount must be a number")
            amount = dec(0)
        if invoice is not None:
            errors += payment_problems(invoice, amount)
        if errors:
            return None, errors
        payment_id = new_id()
        reference = str(item.get("Reference") or "")
        apply_payment(invoice, payment_id, amount, when, reference)
        return self._payment(payment_id, invoice, account, amount, when, reference), []

    def _invoice(self, given) -> dict | None:
        invoice = find_invoice(self.session, self.tenant_id, given)
        if invoice is None:
            return None
        return self.invoices.setdefault(invoice["InvoiceID"], invoice)

    def _account(self, given, errors: list[str]) -> dict | None:
        given = given if isinstance(given, dict) else {}
        account = self.ctx.accounts.get(str(given.get("Code") or ""))
        if account is None and given.get("AccountID"):
            wanted = str(given["AccountID"]).lower()
            account = next(
                (a for a in self.ctx.accounts.values() if a["AccountID"] == wanted), None
            )
        if account is None:
            errors.append("Account could not be found")
        elif account.get("Type") != "BANK" and not account.get("EnablePaymentsToAccount"):
            errors.append("Payments cannot be made to this account")
        return account

    def _payment(self, payment_id, invoice: dict, account, amount, when, reference) -> dict:
        return {
            "PaymentID": payment_id,
            "Date": ms_date(when),
            "Amount": money(amount),
            "BankAmount": money(amount),
            "Reference": reference,
            "CurrencyRate": invoice.get("CurrencyRate", 1.0),
            "PaymentType": "ACCRECPAYMENT" if invoice["Type"] == "ACCREC" else "ACCPAYPAYMENT",
            "Status": "AUTHORISED",
            "IsReconciled": False,
            "HasAccount": True,
            "HasValidationErrors": False,
            "Account": {"AccountID": account["AccountID"], "Code": account["Code"]},
            "Invoice": {
                "Type": invoice["Type"],
                "InvoiceID": invoice["InvoiceID"],
                "InvoiceNumber": invoice.get("InvoiceNumber") or "",
                "Contact": invoice["Contact"],
                "CurrencyCode": invoice.get("CurrencyCode"),
            },
            "UpdatedDateUTC": ms_date(self.now),
        }

    def save(self, payment: dict) -> None:
        save(self.session, self.tenant_id, "payment", payment, self.now)
        invoice = self.invoices[payment["Invoice"]["InvoiceID"]]
        save(self.session, self.tenant_id, "invoice", invoice, self.now)


@bp.put(f"{ACCOUNTING}/Payments")
@accounting("transactions", write=True)
def create_payments(tenant_id: str):
    box = sandbox()
    now = box.clock.now()
    with box.sessions() as session, session.begin():
        builder = PaymentBuilder(session, tenant_id, now)
        return create_all("Payments", builder.build, builder.save, now)
