"""Helpers for the deal-panel tests: reading the listed documents back, and deals whose people
are linked to Xero contacts with open documents."""

import re
from decimal import Decimal

from tests.company.support import NZ, deal_record, link_directly, person, stored

ROW = re.compile(
    r'<li class="(?:choice|picked)-row[^"]*" data-document-type="(\w+)" data-document-id="([^"]+)"'
    r'\s+data-number="([^"]*)"(?: data-picked="(\w+)" data-suggested="(\w+)")?'
)


def rows(text: str) -> list[dict]:
    return [
        {"type": t, "id": i, "number": n, "picked": p == "true", "suggested": s == "true"}
        for t, i, n, p, s in ROW.findall(text)
    ]


def contacts_with_open_invoices(server) -> list[str]:
    """Xero contacts with both an open sales invoice and an open quote (good primaries)."""
    invoices = {
        i["Contact"]["ContactID"]
        for i in stored(server, NZ, "invoice")
        if i["Type"] == "ACCREC"
        and i["Status"] == "AUTHORISED"
        and Decimal(str(i["AmountDue"])) > 0
    }
    quotes = {
        q["Contact"]["ContactID"]
        for q in stored(server, NZ, "quote")
        if q["Status"] in ("DRAFT", "SENT")
    }
    return sorted(invoices & quotes)


def open_invoice(invoice: dict) -> bool:
    """Not yet paid: a draft, one awaiting approval, or authorised with something still due."""
    if invoice["Status"] in ("DRAFT", "SUBMITTED"):
        return True
    return invoice["Status"] == "AUTHORISED" and Decimal(str(invoice["AmountDue"])) > 0


def deal_with_two_linked(server, workspace, primary_xero, other_xero):
    primary, other, loose = (
        person(name="Pia Primary"),
        person(name="Oli Other"),
        person(name="Lu Loose"),
    )
    record = deal_record([other, primary, loose], primary, name="Big Deal")
    link_directly(server, workspace, {primary["id"]: primary_xero, other["id"]: other_xero})
    return record, primary, other
