"""Money applied to an invoice or bill: payments and credit-note allocations, on the Xero JSON.

Pure functions over documents' JSON (Decimal arithmetic, cents): AmountDue nets payments and
allocated credit; a document with nothing left due becomes PAID with FullyPaidOnDate, an
allocated-out credit note too. Callers check and save; these only change the JSON.
"""

from datetime import date
from decimal import Decimal

from widget.sandbox.serialise import iso_date, money, ms_date

ZERO = Decimal("0.00")


def dec(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def payment_problems(invoice: dict, amount: Decimal) -> list[str]:
    """Why a payment of `amount` cannot be applied to this invoice or bill (Xero's wording
    where known; *guess* for the rest)."""
    if invoice.get("Status") != "AUTHORISED":
        return ["Payments can only be made against Authorised documents"]
    if amount <= 0:
        return ["Payment amount must be greater than zero"]
    if amount > dec(invoice.get("AmountDue")):
        return ["Payment amount exceeds the amount outstanding on this document"]
    return []


def apply_payment(invoice: dict, payment_id: str, amount: Decimal, when: date, reference: str):
    invoice.setdefault("Payments", []).append(
        {
            "PaymentID": payment_id,
            "Date": ms_date(when),
            "Amount": money(amount),
            "Reference": reference,
            "CurrencyRate": invoice.get("CurrencyRate", 1.0),
            "HasAccount": True,
            "HasValidationErrors": False,
        }
    )
    invoice["AmountPaid"] = money(dec(invoice.get("AmountPaid")) + amount)
    _reduce_due(invoice, amount, when)


def allocation_problems(note: dict, invoice: dict, amount: Decimal) -> list[str]:
    """Why `amount` of this credit note cannot go to this invoice (*guess*: Xero's wording)."""
    problems = []
    if note.get("Status") != "AUTHORISED":
        problems.append("Only an AUTHORISED credit note can be allocated.")
    if invoice.get("Status") != "AUTHORISED":
        problems.append("A credit note can only be allocated to an AUTHORISED invoice.")
    wanted = "ACCREC" if note.get("Type") == "ACCRECCREDIT" else "ACCPAY"
    if invoice.get("Type") != wanted:
        problems.append("A sales credit note goes to a sales invoice, a purchase one to a bill.")
    if invoice["Contact"]["ContactID"] != note["Contact"]["ContactID"]:
        problems.append("The credit note and the invoice must be for the same contact.")
    if invoice.get("CurrencyCode") != note.get("CurrencyCode"):
        problems.append("The credit note and the invoice must be in the same currency.")
    if amount <= 0:
        problems.append("The amount allocated must be greater than zero.")
    elif amount > dec(note.get("RemainingCredit")):
        problems.append("The amount allocated exceeds the credit note's remaining credit.")
    elif amount > dec(invoice.get("AmountDue")):
        problems.append("The amount allocated exceeds the amount due on the invoice.")
    return problems


def allocate(note: dict, invoice: dict, allocation_id: str, amount: Decimal, when: date) -> dict:
    """Apply the allocation to both documents; returns Xero's Allocation JSON."""
    allocation = {
        "AllocationID": allocation_id,
        "Amount": money(amount),
        "Date": ms_date(when),
        "Invoice": {
            "InvoiceID": invoice["InvoiceID"],
            "InvoiceNumber": invoice.get("InvoiceNumber") or "",
            "Type": invoice["Type"],
        },
        "IsDeleted": False,
    }
    note.setdefault("Allocations", []).append(allocation)
    remaining = dec(note.get("RemainingCredit")) - amount
    note["RemainingCredit"] = money(remaining)
    if remaining == ZERO:
        note["Status"] = "PAID"
        note["FullyPaidOnDate"] = ms_date(when)
    invoice.setdefault("CreditNotes", []).append(
        {
            "CreditNoteID": note["CreditNoteID"],
            "CreditNoteNumber": note.get("CreditNoteNumber") or "",
            "ID": note["CreditNoteID"],
            "AppliedAmount": money(amount),
            "Total": note.get("Total"),
            "Date": ms_date(when),
            "DateString": iso_date(when),
        }
    )
    invoice["AmountCredited"] = money(dec(invoice.get("AmountCredited")) + amount)
    _reduce_due(invoice, amount, when)
    return allocation


def _reduce_due(invoice: dict, amount: Decimal, when: date) -> None:
    due = dec(invoice.get("AmountDue")) - amount
    invoice["AmountDue"] = money(due)
    if due == ZERO:
        invoice["Status"] = "PAID"
        invoice["FullyPaidOnDate"] = ms_date(when)
