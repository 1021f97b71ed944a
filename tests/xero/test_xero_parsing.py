import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import yaml

from tests.xero import samples
from tests.xero_spec import ACCOUNTING, IDENTITY
from widget.xero import LineAmountTypes, parsing
from widget.xero.money import loads
from widget.xero.tokens import Connection


def test_organisation():
    org = parsing.organisation(loads(samples.ORGANISATION)["Organisations"][0])
    assert org.organisation_id == "b2c885a9-4bb9-4a00-9b6e-6c2bf60b1a2b"
    assert org.name == "Dev Evangelist - Sid Test 3 (NZ-2016-02)"
    assert org.short_code == "!mBdtL"
    assert org.base_currency == "NZD"
    assert org.timezone == "NEWZEALANDSTANDARDTIME"
    assert org.country_code == "NZ"
    assert org.period_lock_date == date(2018, 12, 31)
    assert org.end_of_year_lock_date == date(2018, 12, 31)
    assert org.is_demo_company is False
    assert org.plan_class == "PREMIUM"
    assert org.financial_year_end_month == 3
    assert org.created_at == datetime(2016, 2, 18, 20, 29, 53, tzinfo=UTC)


def test_contacts_with_persons_balances_and_merge_marker():
    page = parsing.page(loads(samples.CONTACTS), "Contacts", parsing.contact, {"page": 1})
    assert (page.page, page.page_size, page.page_count, page.item_count) == (1, 100, 3, 201)
    assert page.has_more
    kat, lisa = page.items
    assert kat.contact_id == "5cc8cf28-567e-4d43-b287-687cfcaec47c"
    assert (kat.first_name, kat.last_name, kat.email_address) == (
        "Katherine",
        "Warren",
        "kat.warren@clampett.com",
    )
    assert kat.is_customer and kat.is_supplier
    assert kat.contact_status == "ACTIVE"
    assert kat.contact_persons[0].email_address == "ann@clampett.com"
    assert kat.contact_persons[0].include_in_emails is True
    assert kat.receivable_outstanding == Decimal("760.10")
    assert kat.payable_overdue == Decimal("360.00")
    assert kat.updated_at == datetime(2017, 8, 21, 20, 49, 4, 227000, tzinfo=UTC)
    assert lisa.merged_to_contact_id == kat.contact_id
    assert lisa.contact_persons == ()
    assert lisa.first_name is None and not lisa.is_customer


def test_invoices_keep_every_cent_and_their_dates():
    page = parsing.page(loads(samples.INVOICES), "Invoices", parsing.invoice, {})
    assert not page.has_more  # page 2 of 2
    sale, bill = page.items
    assert sale.type == "ACCREC" and not sale.is_bill and bill.is_bill
    assert sale.invoice_number == "INV-0002"
    assert sale.contact_id == "a3675fc4-f8dd-4f03-ba5b-f1870566bcd7"
    assert sale.contact_name == "Barney Rubble-83203"
    assert sale.status == "AUTHORISED"
    assert sale.date == date(2018, 10, 20)
    assert sale.due_date == date(2018, 12, 30)
    assert sale.fully_paid_on_date == date(2018, 11, 29)
    assert sale.amount_due == Decimal("0.1")
    assert sale.amount_paid == Decimal("1234567890.12")
    assert sale.amount_credited + sale.amount_due == Decimal("0.3")
    assert sale.currency_code == "AUD" and sale.currency_rate == Decimal("0.937053")
    assert sale.line_amount_types is LineAmountTypes.EXCLUSIVE
    line = sale.line_items[0]
    assert line.unit_amount == Decimal("12.3456")
    assert (line.account_code, line.tax_type, line.item_code) == ("200", "OUTPUT2", "BOOK")
    assert line.line_amount == Decimal("37.04") and line.tax_amount == Decimal("5.56")
    assert sale.has_attachments
    assert bill.date == date(2019, 3, 11)  # ISO form
    assert bill.due_date is None and bill.line_items == ()
    assert bill.line_amount_types is LineAmountTypes.NO_TAX
    assert bill.total == Decimal(10)


def test_quotes_spell_line_amount_types_in_capitals_but_parse_to_the_same_enum():
    quote = parsing.collection(loads(samples.QUOTES), "Quotes", parsing.quote)[0]
    assert quote.line_amount_types is LineAmountTypes.EXCLUSIVE
    assert quote.quote_number == "QU-0001"
    assert quote.contact_name == "Adam"
    assert quote.date == date(2019, 10, 24) and quote.expiry_date == date(2019, 10, 25)
    assert quote.status == "ACCEPTED"
    assert quote.total == Decimal("20.65")
    assert quote.line_items[0].discount_rate == Decimal("10.0")
    assert quote.title == "Your Quote" and quote.terms.startswith("Not valid")


def test_reference_data():
    accounts = parsing.collection(loads(samples.ACCOUNTS), "Accounts", parsing.account)
    assert [a.code for a in accounts] == ["091", "200"]
    assert accounts[0].is_active and not accounts[1].is_active
    assert accounts[1].account_class == "REVENUE" and accounts[1].tax_type == "OUTPUT2"
    rates = parsing.collection(loads(samples.TAX_RATES), "TaxRates", parsing.tax_rate)
    assert rates[0].effective_rate == Decimal("15.0")
    assert rates[0].can_apply_to_expenses and not rates[0].can_apply_to_revenue
    assert rates[1].can_apply_to_revenue and rates[1].tax_type == "ZERORATED"
    items = parsing.collection(loads(samples.ITEMS), "Items", parsing.item)
    assert items[0].sales_unit_price == Decimal("5000.0")
    assert items[0].sales_account_code == "200" and items[0].purchase_unit_price is None
    assert not items[0].is_purchased
    assert items[1].purchase_unit_price == Decimal("0.333")
    assert items[1].purchase_tax_type == "INPUT2"
    currencies = parsing.collection(loads(samples.CURRENCIES), "Currencies", parsing.currency)
    assert [(c.code, c.description) for c in currencies][0] == ("NZD", "New Zealand Dollar")


def test_connections():
    (connection,) = [Connection.from_json(c) for c in loads(samples.CONNECTIONS)]
    assert connection.id == "7cb59f93-2964-421d-bb5e-a0f7a4572a44"
    assert connection.tenant_id == "fe79f7dd-b6d4-4a92-ba7b-538af6289c58"
    assert connection.tenant_type == "ORGANISATION"
    assert connection.tenant_name == "Demo Company (NZ)"
    assert connection.created_at == datetime(2019, 12, 7, 18, 46, 19, 516540, tzinfo=UTC)


def test_line_amount_types_spellings():
    assert LineAmountTypes.parse("NOTAX") is LineAmountTypes.NO_TAX
    assert LineAmountTypes.parse("Inclusive") is LineAmountTypes.INCLUSIVE
    assert LineAmountTypes.NO_TAX.quote_value == "NOTAX"
    assert LineAmountTypes.NO_TAX.invoice_value == "NoTax"
    with pytest.raises(ValueError):
        LineAmountTypes.parse("Sideways")


# Every example response Xero publishes for the calls we make must parse.
SPEC_EXAMPLES = [
    ("/Organisation", "Organisations", parsing.organisation),
    ("/Contacts", "Contacts", parsing.contact),
    ("/Contacts/{ContactID}", "Contacts", parsing.contact),
    ("/Invoices", "Invoices", parsing.invoice),
    ("/Invoices/{InvoiceID}", "Invoices", parsing.invoice),
    ("/Quotes", "Quotes", parsing.quote),
    ("/Quotes/{QuoteID}", "Quotes", parsing.quote),
    ("/Accounts", "Accounts", parsing.account),
    ("/TaxRates", "TaxRates", parsing.tax_rate),
    ("/Items", "Items", parsing.item),
    ("/Currencies", "Currencies", parsing.currency),
]


@pytest.fixture(scope="module")
def spec_paths():
    from tests.xero_spec import require

    with open(require() / ACCOUNTING) as handle:
        return yaml.load(handle, Loader=yaml.CSafeLoader)["paths"]


def _example(operation: dict, status: str = "200"):
    content = operation["responses"][status]["content"]["application/json"]
    example = content["example"]
    if isinstance(example, str):
        return loads(example)
    return loads(json.dumps(example, default=str))  # YAML gave floats: back to JSON text


@pytest.mark.parametrize(("path", "key", "parse"), SPEC_EXAMPLES)
def test_every_spec_example_we_read_parses(spec_paths, path, key, parse):
    for method in ("get", "put"):
        operation = spec_paths[path].get(method)
        if operation is None:
            continue
        documents = parsing.collection(_example(operation), key, parse)
        assert documents, f"{method.upper()} {path} example has no {key}"


def test_spec_connections_example_parses(xero_spec):
    with open(xero_spec / IDENTITY) as handle:
        paths = yaml.load(handle, Loader=yaml.CSafeLoader)["paths"]
    example = _example(paths["/Connections"]["get"])
    assert Connection.from_json(example[0]).tenant_name == "Demo Company (NZ)"
