"""Every rule checked before a draft is sent (issue 5), each message on the field it concerns,
on a hand-built organisation; and over HTTP, that the messages sit beside their fields, the form
keeps everything typed, and nothing reaches Xero."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.contact.support import NZ
from tests.drafts.reference_data import make_reference
from tests.drafts.support import FormReader, linked, new_form, send, with_reference
from widget.drafts.reference import Reference
from widget.drafts.validation import DraftValues, LineValues, check

REF = make_reference()
GOOD_LINE = LineValues(description="Work", quantity="2", unit_amount="10", account_code="200",
                       tax_type="OUTPUT2")  # fmt: skip


def values(kind="invoice", lines=(GOOD_LINE,), **header) -> DraftValues:
    base = {"date": "2026-06-01", "currency_code": "NZD", "line_amount_types": "Exclusive"}
    base["expiry_date" if kind == "quote" else "due_date"] = "2026-06-15"
    return DraftValues(kind=kind, lines=tuple(lines), **{**base, **header})


def errors_of(draft: DraftValues, ref: Reference = REF) -> dict[str, list[str]]:
    return check(draft, ref).errors


def line(**typed) -> LineValues:
    return replace(GOOD_LINE, **typed)


def test_a_correct_draft_passes_with_parsed_values_and_xero_totals():
    result = check(values(), REF)
    assert result.ok
    assert result.lines[0].quantity == Decimal(2) and result.lines[0].rate == Decimal(15)
    assert result.totals().total == Decimal("23.00")


@pytest.mark.parametrize(
    "lines",
    [(), (LineValues(),), (LineValues(account_code="200", tax_type="OUTPUT2"),) * 3],
)
def test_at_least_one_line_with_a_description_or_an_item(lines):
    assert errors_of(values(lines=lines)) == {
        "lines": ["Add at least one line with a description or an item."]
    }


def test_a_line_with_a_price_but_neither_description_nor_item_is_refused_on_its_description():
    draft = values(lines=(LineValues(), line(description="", unit_amount="5")))
    assert errors_of(draft) == {"line-1-description": ["Enter a description or choose an item."]}


def test_an_item_alone_supplies_description_price_and_account():
    only_item = LineValues(item_code="DEV-HR", tax_type="OUTPUT2")
    result = check(values(lines=(only_item,)), REF)
    assert result.ok, result.errors
    checked = result.lines[0]
    assert (checked.description, checked.unit_amount, checked.account_code) == (
        "DEV-HR for sale",
        Decimal("165.00"),
        "200",
    )
    bill = check(values("bill", lines=(LineValues(item_code="DEV-HR", tax_type="INPUT2"),)), REF)
    assert bill.lines[0].description == "DEV-HR bought" and bill.lines[0].account_code == "300"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "Enter a number, like 2 or 12.50."),
        ("12,50", "Enter a number, like 2 or 12.50."),
        ("1e3", "Enter a number, like 2 or 12.50."),
        ("NaN", "Enter a number, like 2 or 12.50."),
        ("1.23456", "Use at most 4 decimal places."),
        ("1000000000000", "That number is too large."),
    ],
)
@pytest.mark.parametrize("field", ["quantity", "unit_amount"])
def test_numbers_must_be_valid_with_at_most_four_decimals(field, typed, message):
    assert errors_of(values(lines=(line(**{field: typed}),))) == {f"line-0-{field}": [message]}


def test_four_decimals_negative_and_blank_numbers():
    assert check(values(lines=(line(quantity="0.3333", unit_amount="-1.2345"),
                               line(unit_amount="9"))), REF).ok  # fmt: skip
    assert errors_of(values(lines=(line(quantity=" "),))) == {
        "line-0-quantity": ["Enter a quantity."]
    }
    assert errors_of(values(lines=(line(description="Work", unit_amount=""),))) == {
        "line-0-unit_amount": ["Enter a price."]
    }


@pytest.mark.parametrize(
    ("kind", "code", "message"),
    [
        ("invoice", "999", "There is no account 999 in Xero."),
        ("invoice", "abc", "Account codes are case-sensitive: did you mean ABC?"),
        ("invoice", "12345678901", "Account codes are at most 10 characters."),
        ("invoice", "220", "Account 220 (Legacy sales) is archived: choose another."),
        ("invoice", "300", "Account 300 (Purchases) is not a sales account."),
        ("quote", "090", "Account 090 (Bank) is not a sales account."),
        ("bill", "200", "Account 200 (Sales) is not a purchase account."),
        ("bill", "820", "Account 820 (GST) is not a purchase account."),
    ],
)
def test_account_codes_exist_exactly_are_active_short_and_suit_the_document(kind, code, message):
    tax = "INPUT2" if kind == "bill" else "OUTPUT2"
    assert errors_of(values(kind, lines=(line(account_code=code, tax_type=tax),))) == {
        "line-0-account_code": [message]
    }


def test_the_right_accounts_pass_and_an_empty_account_is_allowed_on_a_draft():
    assert check(values(lines=(line(account_code="ABC"),)), REF).ok
    assert check(values("bill", lines=(line(account_code="400", tax_type="INPUT2"),)), REF).ok
    assert check(values(lines=(line(account_code=""),)), REF).ok


@pytest.mark.parametrize(
    ("kind", "tax_type", "message"),
    [
        ("invoice", "", "Choose a tax rate."),
        ("invoice", "INPUT2", "That tax rate cannot be used on sales: choose another."),
        ("quote", "OUTPUT", "That tax rate cannot be used on sales: choose another."),  # deleted
        ("bill", "OUTPUT2", "That tax rate cannot be used on purchases: choose another."),
        ("bill", "MADEUP", "That tax rate cannot be used on purchases: choose another."),
    ],
)
def test_tax_rates_must_exist_be_active_and_apply(kind, tax_type, message):
    account = "300" if kind == "bill" else "200"
    draft = values(kind, lines=(line(account_code=account, tax_type=tax_type),))
    assert errors_of(draft) == {"line-0-tax_type": [message]}


def test_no_tax_needs_no_tax_rate():
    assert check(values(line_amount_types="NoTax", lines=(line(tax_type=""),)), REF).ok


def test_items_must_exist_and_be_sold_or_bought():
    assert errors_of(values(lines=(line(item_code="NOPE"),))) == {
        "line-0-item_code": ["There is no item NOPE in Xero."]
    }
    bill = values("bill", lines=(line(item_code="SETUP", account_code="300", tax_type="INPUT2"),))
    assert errors_of(bill) == {"line-0-item_code": ["Item SETUP is not purchased: choose another."]}


@pytest.mark.parametrize(
    ("header", "errors"),
    [
        ({"date": ""}, {"date": ["Enter the date."]}),
        ({"date": "2026-02-30"}, {"date": ["Enter a date like 2026-11-22."]}),
        ({"date": "1/6/2026"}, {"date": ["Enter a date like 2026-11-22."]}),
        ({"due_date": "2026-05-31"}, {"due_date": ["The due date cannot be before the date."]}),
        ({"due_date": "bad"}, {"due_date": ["Enter a date like 2026-11-22."]}),
        ({"due_date": ""}, {}),  # optional on a draft
        ({"due_date": "2026-06-01"}, {}),  # the same day is fine
    ],
)
def test_dates_are_valid_and_the_due_date_is_not_before_the_date(header, errors):
    assert errors_of(values(**header)) == errors


def test_a_quotes_expiry_date_is_not_before_its_date():
    assert errors_of(values("quote", expiry_date="2026-05-01")) == {
        "expiry_date": ["The expiry date cannot be before the date."]
    }


PERIOD = "period lock date (Mar 31, 2026)"


@pytest.mark.parametrize(
    ("header", "field", "lock"),
    [
        (
            {"date": "2026-03-31", "due_date": "2026-04-30"},
            "date",
            "period lock date (Mar 31, 2026)",
        ),
        (
            {"date": "2026-01-15", "due_date": "2026-04-30"},
            "date",
            "period lock date (Mar 31, 2026)",
        ),
        (
            {"date": "2025-03-01", "due_date": "2026-04-30"},
            "date",
            "end of year lock date (Mar 31, 2025)",
        ),
        ({"date": "2026-03-01", "due_date": "2026-03-20"}, "due_date", "period lock date"),
    ],
)
def test_no_date_inside_the_period_or_end_of_year_lock(header, field, lock):
    found = errors_of(values(**header))
    assert lock in " ".join(found[field])
    assert found[field][0].endswith("choose a later date.")
    assert check(values(date="2026-04-01", due_date="2026-04-01"), REF).ok  # the day after
    assert check(values(date="2026-01-15"), make_reference(locks=False)).ok


def test_currency_amount_types_and_reference_length():
    assert errors_of(values(currency_code="EUR")) == {
        "currency_code": ["Choose one of the organisation's currencies."]
    }
    assert check(values(currency_code="usd"), REF).currency_code == "USD"
    assert errors_of(values(line_amount_types="Gross")) == {
        "line_amount_types": ["Choose whether amounts include tax."]
    }
    assert errors_of(values(reference="r" * 256)) == {"reference": ["Use at most 255 characters."]}


def test_a_total_below_zero_is_refused_at_the_top():
    result = check(values(lines=(line(unit_amount="-5"),)), REF)
    assert result.errors == {} and result.general == [
        "The total cannot be below zero: Xero records money owed back as a credit note."
    ]


def test_blank_lines_are_skipped_and_messages_keep_the_form_positions():
    draft = values(lines=(LineValues(), line(quantity="x"), LineValues(), line(account_code="9")))
    assert errors_of(draft) == {
        "line-1-quantity": ["Enter a number, like 2 or 12.50."],
        "line-3-account_code": ["There is no account 9 in Xero."],
    }
    result = check(values(lines=(LineValues(), line(), LineValues())), REF)
    assert [checked.index for checked in result.lines] == [1]


# --- over HTTP ----------------------------------------------------------------------------------


def test_messages_sit_beside_their_fields_and_the_form_keeps_everything_typed(server, nz):
    panel, _contact = linked(server, nz, NZ, index=3)
    post = new_form(panel, "invoice")
    key = post.header["idempotency_key"]
    reference = f"kept-{key[:8]}"
    yesterday = (date.fromisoformat(post.header["date"]) - timedelta(days=1)).isoformat()
    post.set(reference=reference, due_date=yesterday)
    post.with_lines(
        {"description": "Design work", "quantity": "12,50", "unit_amount": "80"},
        {"description": "", "quantity": "1", "unit_amount": "5.123456"},
    )
    mark = server.meter.mark()
    answer = send(panel, post)
    assert answer.status_code == 422, answer.text[:800]
    again = FormReader(answer.text)
    assert set(again.invalid) == {"due_date", "quantity", "description", "unit_amount"}
    for error_id, message in (
        ("draft-due_date-error", "The due date cannot be before the date."),
        ("draft-line-0-quantity-error", "Enter a number, like 2 or 12.50."),
        ("draft-line-1-description-error", "Enter a description or choose an item."),
        ("draft-line-1-unit_amount-error", "Use at most 4 decimal places."),
    ):
        assert f'id="{error_id}" class="field-error" role="alert">{message}</p>' in answer.text
        assert f'aria-describedby="{error_id}"' in answer.text
    assert dict(again.pairs)["idempotency_key"] == key  # nothing sent: the same form goes on
    sent_back = [value for name, value in again.pairs if name in ("quantity", "unit_amount")]
    assert sent_back == ["12,50", "80", "1", "5.123456"]
    assert ("reference", reference) in again.pairs and ("due_date", yesterday) in again.pairs
    assert ("description", "Design work") in again.pairs
    assert [c for c in server.meter.since(mark) if c.method == "PUT"] == []
    assert with_reference(server, NZ, "invoice", reference) == []
