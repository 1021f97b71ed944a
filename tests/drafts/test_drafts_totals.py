"""widget/drafts/totals.py against hand-worked cases and against what the sandbox stores for many
random documents (each kind, each organisation's tax rates incl. the US 8.875 %, exclusive,
inclusive and no tax), sent through the real Xero client over HTTP."""

import random
from decimal import Decimal

import pytest

from tests.contact.support import NZ, UK
from widget.drafts.totals import Line, document_totals, line_total
from widget.xero import InvoiceDraft, InvoiceType, LineAmountTypes, LineItemDraft, QuoteDraft
from widget.xero.client import XeroClient

EXCLUSIVE, INCLUSIVE, NO_TAX = (
    LineAmountTypes.EXCLUSIVE,
    LineAmountTypes.INCLUSIVE,
    LineAmountTypes.NO_TAX,
)
US = "Demo Company (US)"
D = Decimal


@pytest.mark.parametrize(
    ("quantity", "price", "rate", "kind", "amount", "tax"),
    [
        ("2", "9.99", "15", EXCLUSIVE, "19.98", "3.00"),  # 2.997 rounds up
        ("1", "115", "15", INCLUSIVE, "115.00", "15.00"),
        ("3", "0.125", "0", EXCLUSIVE, "0.38", "0.00"),  # 0.375: half away from zero
        ("1", "0.125", "15", EXCLUSIVE, "0.13", "0.02"),  # 0.0195 -> 0.02
        ("-1", "0.125", "15", EXCLUSIVE, "-0.13", "-0.02"),  # negatives round away from zero
        ("1", "10", "8.875", EXCLUSIVE, "10.00", "0.89"),  # 0.8875
        ("1", "10", "8.875", INCLUSIVE, "10.00", "0.82"),  # 10 × 8.875 / 108.875 = 0.8151…
        ("0.3333", "3", "20", EXCLUSIVE, "1.00", "0.20"),  # 0.9999 -> 1.00 before tax
        ("7", "12.3456", "15", NO_TAX, "86.42", "0.00"),
        ("1", "0.01", "12.5", INCLUSIVE, "0.01", "0.00"),
    ],
)
def test_line_totals_by_hand(quantity, price, rate, kind, amount, tax):
    result = line_total(Line(D(quantity), D(price), D(rate)), kind)
    assert (result.line_amount, result.tax_amount) == (D(amount), D(tax))


def test_document_totals_sum_rounded_lines_and_inclusive_subtotal_is_total_less_tax():
    lines = [Line(D("1"), D("10"), D("15")), Line(D("1"), D("10.01"), D("15"))]
    exclusive = document_totals(lines, EXCLUSIVE)
    assert (exclusive.sub_total, exclusive.total_tax, exclusive.total) == (
        D("20.01"),
        D("3.00"),  # 1.50 + 1.50 (1.5015): per line, not 3.0015 of the sum
        D("23.01"),
    )
    inclusive = document_totals(lines, INCLUSIVE)
    assert (inclusive.sub_total, inclusive.total_tax, inclusive.total) == (
        D("17.40"),  # 20.01 - (1.30 + 1.31)
        D("2.61"),
        D("20.01"),
    )
    assert document_totals([], NO_TAX).total == D("0.00")


def _random_line(rng: random.Random, tax_types: list[str]) -> LineItemDraft:
    quantity = rng.choice(
        [D(rng.randint(1, 40)), D(rng.randint(1, 99999)) / 10000, D(rng.randint(1, 200)) / 8]
    )
    price = rng.choice(
        [D(rng.randint(1, 999999)) / 100, D(rng.randint(1, 9999999)) / 10000, D("0.005")]
    )
    if rng.random() < 0.1:
        price = -price  # a discount line
    return LineItemDraft(
        description=f"Line {rng.randint(1, 10**6)}",
        quantity=quantity.normalize(),
        unit_amount=price.normalize(),
        tax_type=rng.choice(tax_types),
    )


@pytest.mark.parametrize("org", [NZ, UK, US])
def test_the_totals_module_agrees_with_what_xero_stores_for_random_documents(drafts_server, org):
    sandbox = drafts_server.sandbox
    tenant_id = drafts_server.org(org).tenant_id
    token = sandbox.token(org)
    client = XeroClient.from_config(drafts_server.app.config, tenant_id, lambda: token.access_token)
    rates = {t.tax_type: t for t in client.tax_rates() if t.status == "ACTIVE"}
    contact_id = next(iter(client.contacts(page=1, page_size=1))).contact_id
    rng = random.Random(f"drafts-totals-{org}")
    checked = 0
    for kind in ("quote", "invoice", "bill"):
        usable = [
            t.tax_type
            for t in rates.values()
            if (t.can_apply_to_expenses if kind == "bill" else t.can_apply_to_revenue)
        ]
        for amount_types in (EXCLUSIVE, INCLUSIVE, NO_TAX):
            lines = [_random_line(rng, usable) for _ in range(25)]
            common = {"contact_id": contact_id, "line_amount_types": amount_types}
            key = f"totals-{org[-3:-1]}-{kind}-{amount_types.value}-{rng.randint(0, 10**9)}"
            if kind == "quote":
                sent = QuoteDraft(date=sandbox.clock.today(), line_items=lines, **common)
                stored = client.create_quote(sent, idempotency_key=key)
            else:
                kind_type = InvoiceType.BILL if kind == "bill" else InvoiceType.SALES
                sent = InvoiceDraft(type=kind_type, line_items=lines, **common)
                stored = client.create_invoice(sent, idempotency_key=key)
            ours = document_totals(
                [
                    Line(ln.quantity, ln.unit_amount, rates[ln.tax_type].effective_rate)
                    for ln in lines
                ],
                amount_types,
            )
            assert [(ln.line_amount, ln.tax_amount) for ln in stored.line_items] == [
                (ln.line_amount, ln.tax_amount) for ln in ours.lines
            ], (kind, amount_types)
            assert (stored.sub_total, stored.total_tax, stored.total) == (
                ours.sub_total,
                ours.total_tax,
                ours.total,
            ), (kind, amount_types)
            checked += len(lines)
    assert checked == 9 * 25
