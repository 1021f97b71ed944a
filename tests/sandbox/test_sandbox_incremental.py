"""What an incremental-sync mirror relies on, as Xero does it: UpdatedDateUTC on every change,
Xero's default order (oldest-updated first, then the id), `order`, and paging that summaryOnly
and Statuses force. Every answer is also checked against Xero's spec (the Api helper)."""

import pytest

from tests.sandbox.helpers import Api
from widget.sandbox.serialise import read_datetime


@pytest.fixture
def api(live_server, sandbox_token):
    return Api(live_server.sandbox_url, sandbox_token)


def stamps(items: list[dict]) -> list:
    return [read_datetime(item["UpdatedDateUTC"]) for item in items]


@pytest.mark.parametrize(
    ("resource", "key"), [("Contacts", "ContactID"), ("Invoices", "InvoiceID")]
)
def test_default_order_is_oldest_updated_first_then_the_id(api, resource, key):
    items = api.get(resource, params={"page": 1, "pageSize": 1000}).json()[resource]
    assert len(items) > 100
    pairs = [(read_datetime(i["UpdatedDateUTC"]), i[key]) for i in items]
    assert pairs == sorted(pairs)
    # not by name or date: the sandbox must not hide what Xero's order does to a first page
    if resource == "Contacts":
        names = [c["Name"].lower() for c in items]
        assert names != sorted(names)


def test_quotes_come_oldest_updated_first_too(api):
    quotes = api.get("Quotes", params={"page": 1}).json()["Quotes"]
    assert 0 < len(quotes) <= 100
    assert stamps(quotes) == sorted(stamps(quotes))


def test_order_by_name_and_by_updated_descending(api):
    by_name = api.get("Contacts", params={"page": 1, "order": "Name ASC"}).json()["Contacts"]
    names = [c["Name"].lower() for c in by_name]
    assert names == sorted(names)
    newest = api.get("Invoices", params={"page": 1, "order": "UpdatedDateUTC DESC"}).json()
    assert stamps(newest["Invoices"]) == sorted(stamps(newest["Invoices"]), reverse=True)
    two_keys = api.get(
        "Invoices", params={"page": 1, "pageSize": 500, "order": "Status ASC, Total DESC"}
    ).json()["Invoices"]
    keys = [(i["Status"], -i["Total"]) for i in two_keys]
    assert keys == sorted(keys)


@pytest.mark.parametrize("order", ["Name SIDEWAYS", "Nope ASC", "Name ASC,", "Name; DROP"])
def test_malformed_order_is_a_query_parse_exception(api, order):
    refused = api.get("Contacts", params={"page": 1, "order": order}, spec=False)
    assert refused.status_code == 400
    body = refused.json()
    assert body["ErrorNumber"] == 16 and body["Type"] == "QueryParseException"


def test_summary_only_and_statuses_force_paging(api):
    summary = api.get("Invoices", params={"summaryOnly": "true"}).json()
    assert summary["pagination"]["page"] == 1 and len(summary["Invoices"]) == 100
    assert summary["pagination"]["itemCount"] > 100
    for dropped in ("LineItems", "Payments", "HasAttachments", "CISDeduction"):
        assert all(dropped not in invoice for invoice in summary["Invoices"])
    for kept in ("Total", "AmountDue", "CurrencyRate", "UpdatedDateUTC", "Status"):
        assert all(kept in invoice for invoice in summary["Invoices"])
    by_status = api.get("Invoices", params={"Statuses": "AUTHORISED,PAID"}).json()
    assert by_status["pagination"]["page"] == 1
    assert {i["Status"] for i in by_status["Invoices"]} == {"AUTHORISED", "PAID"}
    assert all("LineItems" in i for i in by_status["Invoices"])  # a paged list carries lines
    unpaged = api.get(
        "Invoices", params={"ContactIDs": by_status["Invoices"][0]["Contact"]["ContactID"]}
    )
    assert "pagination" not in unpaged.json()
    contacts = api.get("Contacts", params={"summaryOnly": "true"}).json()
    assert contacts["pagination"]["page"] == 1 and len(contacts["Contacts"]) == 100
    for dropped in ("Addresses", "Balances", "ContactPersons", "IsCustomer", "IsSupplier"):
        assert all(dropped not in contact for contact in contacts["Contacts"])


def test_page_sizes(api):
    big = api.get("Invoices", params={"page": 1, "pageSize": 5000}).json()
    assert big["pagination"]["pageSize"] == 1000
    second = api.get("Contacts", params={"page": 2, "pageSize": 40}).json()
    first = api.get("Contacts", params={"page": 1, "pageSize": 40}).json()
    ids = {c["ContactID"] for c in first["Contacts"]} & {c["ContactID"] for c in second["Contacts"]}
    assert not ids and len(second["Contacts"]) == 40
    quotes = api.get("Quotes", params={"page": 1, "pageSize": 5}).json()["Quotes"]
    assert len(quotes) > 5  # Quotes have no pageSize: 100 a page


def test_voided_and_deleted_documents_stay_readable(api):
    invoices = api.get("Invoices", params={"page": 1, "pageSize": 1000}).json()["Invoices"]
    assert {"VOIDED", "DELETED"} <= {invoice["Status"] for invoice in invoices}
    voided = next(invoice for invoice in invoices if invoice["Status"] == "VOIDED")
    again = api.get(f"Invoices/{voided['InvoiceID']}").json()["Invoices"][0]
    assert again["Status"] == "VOIDED" and again["AmountDue"] == 0
    quotes = api.get("Quotes", params={"page": 1}).json()["Quotes"]
    assert "DELETED" in {quote["Status"] for quote in quotes}
    archived = api.get("Contacts", params={"page": 1, "pageSize": 1000, "includeArchived": "true"})
    merged = [c for c in archived.json()["Contacts"] if c.get("MergedToContactID")]
    assert merged and all(c["ContactStatus"] == "ARCHIVED" for c in merged)
