"""Line-item totals (Decimal, per-line rounding) and the `where` parser, without a server."""

from datetime import date
from decimal import Decimal

import pytest

from widget.sandbox.compose import priced_lines
from widget.sandbox.totals import cents, document_totals, line_total
from widget.sandbox.where import WhereError, compile_where

D = Decimal


def test_exclusive_adds_tax_per_line():
    line = line_total(D("3"), D("99.99"), D("15"), "Exclusive")
    assert line.line_amount == D("299.97") and line.tax_amount == D("45.00")  # 44.9955 -> 45.00
    totals = document_totals(
        [line, line_total(D("1"), D("0.10"), D("15"), "EXCLUSIVE")], "Exclusive"
    )
    assert totals.sub_total == D("300.07") and totals.total_tax == D("45.02")
    assert totals.total == D("345.09")


def test_inclusive_takes_tax_out_of_the_amount():
    line = line_total(D("1"), D("115"), D("15"), "Inclusive")
    assert line.line_amount == D("115.00") and line.tax_amount == D("15.00")
    odd = line_total(D("1"), D("100"), D("15"), "INCLUSIVE")
    assert odd.tax_amount == D("13.04")  # 100 × 15 / 115 = 13.043…
    totals = document_totals([line, odd], "Inclusive")
    assert totals.total == D("215.00") and totals.total_tax == D("28.04")
    assert totals.sub_total == D("186.96")


def test_no_tax_and_discounts():
    line = line_total(D("2"), D("50"), D("15"), "NoTax")
    assert line.tax_amount == D("0.00") and line.line_amount == D("100.00")
    discounted = line_total(D("1"), D("200"), D("20"), "Exclusive", D("12.5"))
    assert discounted.line_amount == D("175.00") and discounted.tax_amount == D("35.00")


def test_rounding_is_half_up_on_cents():
    assert cents(D("0.005")) == D("0.01") and cents(D("2.675")) == D("2.68")
    assert line_total(D("0.3333"), D("3"), D("0"), "Exclusive").line_amount == D("1.00")


def test_priced_lines_make_json_numbers_and_no_tax_lines():
    lines = [{"LineItemID": "x", "Quantity": D("2"), "UnitAmount": D("10.5"), "TaxType": "OUTPUT2"}]
    out, totals = priced_lines(lines, "NoTax", {"OUTPUT2": D("15")})
    assert out[0]["TaxType"] == "NONE" and out[0]["LineAmount"] == 21.0
    assert totals.total == D("21.00")


class Row(dict):
    pass


def matches(text: str, record: dict) -> bool:
    predicate = compile_where(text, lambda r, f: r.get(f), lambda f: f.split(".")[0] in FIELDS)
    return predicate(record)


FIELDS = {"Name", "Status", "Type", "DueDate", "Total", "Contact", "IsCustomer"}
RECORD = {
    "Name": "Bayside Print Ltd",
    "Status": "AUTHORISED",
    "Type": "ACCREC",
    "DueDate": date(2026, 11, 1),
    "Total": 120.5,
    "Contact.ContactID": "5cc8cf28-567e-4d43-b287-687cfcaec47c",
    "IsCustomer": True,
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Name=="bayside print ltd"', True),
        ('Name = "Bayside Print Ltd"', True),
        ('Name!="Bayside Print Ltd"', False),
        ('Status=="AUTHORISED" AND Type=="ACCREC"', True),
        ('Status=="DRAFT" OR Type=="ACCREC"', True),
        ('Status=="DRAFT" || (Type=="ACCPAY" && Total>100)', False),
        ("DueDate<DateTime(2026,11,22)", True),
        ("DueDate>=DateTime(2026, 11, 1)", True),
        ("DueDate>DateTime(2026,11,1)", False),
        ("DueDate<=DateTime(2026,10,31)", False),
        ('Contact.ContactID=guid("5CC8CF28-567E-4D43-B287-687CFCAEC47C")', True),
        ("Total>100.25 AND Total<200", True),
        ('Name.Contains("PRINT")', True),
        ('Name.StartsWith("bay") AND NOT Name.EndsWith("co")', True),
        ("IsCustomer==true", True),
        ("IsCustomer==false", False),
        ("Name!=null", True),
    ],
)
def test_where_language(text, expected):
    assert matches(text, RECORD) is expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Name==",
        'Name=="x" AND',
        'Unknown=="x"',
        'Name=="x"))',
        "DueDate<DateTime(2026,13,40)",
        "DueDate<DateTime(2026,1)",
        'Name=="unterminated',
        'Name ~ "x"',
        'guid("x")==Name',
    ],
)
def test_malformed_where_raises(text):
    with pytest.raises(WhereError):
        matches(text, RECORD)
