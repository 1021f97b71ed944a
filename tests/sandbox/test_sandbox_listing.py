"""The pieces of a Xero list call the sandbox parses itself: If-Modified-Since, `order`, and
which `where` clauses go straight to SQL (the rest is evaluated in Python, see where.py)."""

from datetime import datetime

import pytest

from widget.sandbox.invoices import INVOICE_FIELDS
from widget.sandbox.listing import modified_since, parse_order, sql_where
from widget.sandbox.problems import XeroProblem


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("2026-11-22T10:00:05", datetime(2026, 11, 22, 10, 0, 5)),
        ("2026-11-22T10:00:05.789", datetime(2026, 11, 22, 10, 0, 5)),  # to the second
        ("2026-11-22T10:00:05Z", datetime(2026, 11, 22, 10, 0, 5)),
        ("2026-11-22T02:00:05-08:00", datetime(2026, 11, 22, 10, 0, 5)),  # to UTC
        ("Sun, 22 Nov 2026 10:00:05 GMT", datetime(2026, 11, 22, 10, 0, 5)),
        ("", None),
        ("yesterday", None),
        ("2026-13-45T99:00:00", None),
    ],
)
def test_if_modified_since_forms(header, expected):
    assert modified_since(header) == expected


def test_order_keys_and_refusals():
    keys = parse_order("Date DESC, InvoiceNumber", INVOICE_FIELDS)
    assert [(k.field, k.descending) for k in keys] == [("Date", True), ("InvoiceNumber", False)]
    assert parse_order("  ", INVOICE_FIELDS) == []
    for bad in ("Date UP", "Nope ASC", "Date,", "Date; DROP TABLE"):
        with pytest.raises(XeroProblem) as caught:
            parse_order(bad, INVOICE_FIELDS)
        assert caught.value.response.status_code == 400


@pytest.mark.parametrize(
    ("where", "count"),
    [
        ('Type=="ACCREC"', 1),
        ('Status == "authorised" AND Type=="ACCPAY"', 2),
        ('Contact.ContactID==guid("0B50503D-4C9E-5D23-80A4-D1A70450A74B") && Status="PAID"', 2),
        ('Status=="AUTHORISED" OR Status=="PAID"', None),  # OR: Python
        ('Reference.Contains("x")', None),
        ("AmountDue > 0", None),
        ('Status=="AUTHORISED" AND', None),
        ("", None),
    ],
)
def test_which_where_clauses_go_to_sql(where, count):
    conditions = sql_where(where, INVOICE_FIELDS)
    assert (None if conditions is None else len(conditions)) == count


def test_sql_where_normalises_values_as_stored():
    condition = sql_where('Status=="authorised"', INVOICE_FIELDS)[0]
    assert condition.right.value == "AUTHORISED"
    where = 'Contact.ContactID==guid("0B50503D-4C9E-5D23-80A4-D1A70450A74B")'
    guid = sql_where(where, INVOICE_FIELDS)[0]
    assert guid.right.value == "0b50503d-4c9e-5d23-80a4-d1a70450a74b"


def test_a_field_the_resource_lacks_is_left_to_python_which_refuses_it():
    from widget.sandbox.payments import PAYMENT_FIELDS

    assert sql_where('Type=="ACCRECPAYMENT"', PAYMENT_FIELDS) is None
    assert len(sql_where('Status=="AUTHORISED"', PAYMENT_FIELDS)) == 1
