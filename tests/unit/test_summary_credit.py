"""Credit available and paid status in the summary (widget.summary), checked against sums worked
out here by hand and by an independent calculation over random documents."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

from widget.summary import payment_state, summarise
from widget.xero.models import Invoice

TODAY = date(2026, 3, 11)
AS_OF = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)
ACME = "11111111-1111-1111-1111-111111111111"
OTHER = "33333333-3333-3333-3333-333333333333"


@dataclass(frozen=True)
class Note:
    credit_note_id: str
    type: str = "ACCRECCREDIT"
    status: str = "AUTHORISED"
    remaining_credit: Decimal | None = Decimal("0")
    total: Decimal | None = Decimal("100")
    currency_code: str | None = "NZD"
    currency_rate: Decimal | None = Decimal("1")
    contact_id: str | None = ACME
    credit_note_number: str | None = None
    reference: str | None = None
    contact_name: str | None = "Acme"
    date: date | None = date(2026, 2, 1)
    updated_at: datetime | None = None


def invoice(invoice_id, *, status="AUTHORISED", total="100", due="100", type="ACCREC", rate="1"):
    return Invoice(
        invoice_id=invoice_id, type=type, invoice_number=f"INV-{invoice_id}", reference=None,
        contact_id=ACME, contact_name="Acme", status=status, date=date(2026, 2, 1),
        due_date=date(2026, 3, 1), currency_code="NZD", currency_rate=Decimal(rate),
        line_amount_types=None, line_items=(), sub_total=None, total_tax=None,
        total=Decimal(total), amount_due=Decimal(due), amount_paid=Decimal(total) - Decimal(due),
        amount_credited=None, updated_at=None,
    )  # fmt: skip


def summary_of(invoices=(), notes=()):
    return summarise(
        invoices, [], today=TODAY, as_of=AS_OF, base_currency="NZD", credit_notes=notes
    )


def test_credit_available_counts_authorised_remaining_credit_by_side():
    notes = [
        Note("a", remaining_credit=Decimal("40.00")),
        Note(
            "b",
            remaining_credit=Decimal("50.00"),
            currency_code="USD",
            currency_rate=Decimal("0.5"),
        ),  # noqa: E501
        Note("paid", status="PAID", remaining_credit=Decimal("0")),
        Note("used-up", remaining_credit=Decimal("0")),
        Note("draft", status="DRAFT", remaining_credit=Decimal("99")),
        Note("voided", status="VOIDED", remaining_credit=Decimal("99")),
        Note("other", remaining_credit=Decimal("99"), contact_id=OTHER),
        Note("supplier", type="ACCPAYCREDIT", remaining_credit=Decimal("30.25")),
        Note("a", remaining_credit=Decimal("40.00")),  # the same note twice counts once
    ]
    details = summarise([], [], today=TODAY, as_of=AS_OF, base_currency="NZD",
                        contact_ids=[ACME], credit_notes=notes)  # fmt: skip
    summary = details.summary
    assert (summary.sales_credit.count, summary.sales_credit.total) == (2, Decimal("140.00"))
    assert (summary.purchase_credit.count, summary.purchase_credit.total) == (1, Decimal("30.25"))
    assert [line.document_id for line in details.sales_credit_notes] == ["a", "b"]
    assert details.sales_credit_notes[1].amount_due == Decimal("50.00")  # in its own currency
    assert details.sales_credit_notes[1].base_amount == Decimal("100.00")
    assert [line.kind for line in details.purchase_credit_notes] == ["purchase_credit"]


def test_credit_leaves_the_other_figures_alone():
    summary = summary_of([invoice("i")], [Note("a", remaining_credit=Decimal("10"))]).summary
    assert summary.outstanding_invoices.total == Decimal("100.00")


def test_no_credit_notes_means_no_credit():
    summary = summary_of([invoice("i")]).summary
    assert summary.sales_credit.count == 0 and summary.sales_credit.total == 0


def test_paid_invoices_leave_the_outstanding_figures_and_part_paid_ones_show_both():
    invoices = [
        invoice("paid", status="PAID", due="0"),
        invoice("zero-due", due="0"),
        invoice("part", total="100", due="35.50"),
        invoice("whole", total="80", due="80"),
    ]
    details = summary_of(invoices)
    lines = {line.document_id: line for line in details.invoices}
    assert sorted(lines) == ["part", "whole"]
    assert details.summary.outstanding_invoices.total == Decimal("115.50")
    assert lines["part"].part_paid and not lines["whole"].part_paid
    assert [payment_state(i) for i in invoices] == ["paid", "paid", "part-paid", "unpaid"]
    assert payment_state(invoice("d", status="DRAFT")) is None


def test_random_credit_notes_against_an_independent_sum():
    rng = random.Random(29)
    for _ in range(50):
        notes = [
            Note(
                f"n{i}",
                type=rng.choice(["ACCRECCREDIT", "ACCPAYCREDIT"]),
                status=rng.choice(["AUTHORISED", "AUTHORISED", "PAID", "DRAFT", "VOIDED"]),
                remaining_credit=Decimal(rng.randint(0, 100_000)) / 100,
                currency_rate=rng.choice([Decimal("1"), Decimal("0.61"), Decimal("1.7")]),
                currency_code="XXX",
            )
            for i in range(rng.randint(0, 12))
        ]
        summary = summary_of(notes=notes).summary
        for side, figure in (("ACCRECCREDIT", summary.sales_credit),
                             ("ACCPAYCREDIT", summary.purchase_credit)):  # fmt: skip
            mine = [
                n
                for n in notes
                if (n.type, n.status) == (side, "AUTHORISED") and n.remaining_credit
            ]
            exact = sum((n.remaining_credit / n.currency_rate for n in mine), Decimal(0))
            assert figure.count == len(mine)
            assert figure.total == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_credit_note_links_go_through_the_organisation_login():
    from urllib.parse import parse_qs, urlsplit

    from widget.contact.deeplinks import document_url

    for kind, ledger in (
        ("sales_credit", "AccountsReceivable"),
        ("purchase_credit", "AccountsPayable"),
    ):  # noqa: E501
        url = document_url(kind, "!aBc1", "cn-1")
        query = parse_qs(urlsplit(url).query)
        assert url.startswith("https://go.xero.com/organisationlogin/default.aspx?")
        assert query == {
            "shortcode": ["!aBc1"],
            "redirecturl": [f"/{ledger}/ViewCreditNote.aspx?creditNoteID=cn-1"],
        }
    assert document_url("sales_credit", None, "cn-1") is None
