"""Every sandbox endpoint over a real socket, success and failure, checked against Xero's
OpenAPI spec where it describes the answer and against XERO.md's shapes where it does not."""

import itertools
import uuid
from datetime import UTC, timedelta
from email.utils import format_datetime

import pytest
import requests

from tests.conftest import obtain_tokens
from tests.sandbox.helpers import Api, assert_problem, assert_validation
from tests.xero_spec import validate_exchange
from widget.sandbox.serialise import parse_date, read_datetime


@pytest.fixture
def api(live_server, sandbox_token):
    return Api(live_server.sandbox_url, sandbox_token)


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def first_contact(api, where: str | None = None) -> dict:
    params = {"page": 1, "pageSize": 200}
    if where:
        params["where"] = where
    return api.get("Contacts", params=params).json()["Contacts"]


# -- reference data -----------------------------------------------------------------------------


def test_organisation_is_the_granted_one_with_xero_dates(api):
    response = api.get("Organisation")
    org = response.json()["Organisations"][0]
    assert response.json()["Status"] == "OK"
    assert org["Name"] == "Demo Company (NZ)" and org["BaseCurrency"] == "NZD"
    assert org["Timezone"] == "NEWZEALANDSTANDARDTIME" and org["ShortCode"].startswith("!")
    assert org["PeriodLockDate"].startswith("/Date(") and org["PeriodLockDate"].endswith("+0000)/")
    for header in ("X-DayLimit-Remaining", "X-MinLimit-Remaining", "X-AppMinLimit-Remaining"):
        assert response.headers[header].isdigit()


@pytest.mark.parametrize("resource", ["Accounts", "TaxRates", "Items", "Currencies"])
def test_reference_lists(api, resource):
    items = api.get(resource).json()[resource]
    assert items
    if resource == "Currencies":
        assert {c["Code"] for c in items} == {"NZD", "USD", "AUD", "GBP"}
    if resource == "TaxRates":
        gst = next(t for t in items if t["TaxType"] == "OUTPUT2")
        assert gst["EffectiveRate"] == 15 and gst["Name"] == "GST on Income"
    if resource == "Accounts":
        assert all(len(a["Code"]) <= 10 for a in items)
        assert {"ACTIVE", "ARCHIVED"} <= {a["Status"] for a in items}


def test_reference_where(api):
    accounts = api.get("Accounts", params={"where": 'Status=="ACTIVE" AND Type=="REVENUE"'})
    found = accounts.json()["Accounts"]
    assert found and all(a["Type"] == "REVENUE" and a["Status"] == "ACTIVE" for a in found)


# -- contacts -----------------------------------------------------------------------------------


def test_contacts_paged_carry_persons_and_balances(api):
    body = api.get("Contacts", params={"page": 2, "pageSize": 50}).json()
    assert body["pagination"]["page"] == 2 and body["pagination"]["pageSize"] == 50
    assert body["pagination"]["itemCount"] >= 150
    assert body["pagination"]["pageCount"] == -(-body["pagination"]["itemCount"] // 50)
    assert len(body["Contacts"]) == 50
    assert all("ContactPersons" in c and "Balances" in c for c in body["Contacts"])
    assert all(c["ContactStatus"] == "ACTIVE" for c in body["Contacts"])


def test_contacts_summary_only_drops_heavy_fields(api):
    contacts = api.get("Contacts", params={"page": 1, "summaryOnly": "true"}).json()["Contacts"]
    assert len(contacts) == 100
    for dropped in ("Addresses", "Phones", "Balances", "ContactPersons"):
        assert all(dropped not in c for c in contacts)


def test_contacts_where_email_and_name_ignore_case(api):
    contact = next(c for c in first_contact(api) if c["EmailAddress"])
    by_email = f'EmailAddress=="{contact["EmailAddress"].upper()}"'
    assert [c["ContactID"] for c in first_contact(api, by_email)] == [contact["ContactID"]]
    by_name = f'Name=="{contact["Name"].lower()}"'
    assert [c["ContactID"] for c in first_contact(api, by_name)] == [contact["ContactID"]]
    a, b = first_contact(api)[:2]
    either = f'Name=="{a["Name"]}" OR EmailAddress=="{b["EmailAddress"]}"'
    assert {c["ContactID"] for c in first_contact(api, either)} >= {a["ContactID"], b["ContactID"]}
    both = f'Name=="{a["Name"]}" AND EmailAddress=="{b["EmailAddress"]}"'
    assert first_contact(api, both) == [] or a["EmailAddress"] == b["EmailAddress"]


def test_contacts_search_term_skips_contact_persons(api):
    contacts = first_contact(api)
    company = next(c for c in contacts if c["ContactPersons"])
    person_email = company["ContactPersons"][0]["EmailAddress"]
    hits = api.get("Contacts", params={"searchTerm": person_email}).json()["Contacts"]
    assert company["ContactID"] not in {c["ContactID"] for c in hits}
    term = company["Name"].split()[0].upper()
    hits = api.get("Contacts", params={"searchTerm": term, "page": 1}).json()["Contacts"]
    assert company["ContactID"] in {c["ContactID"] for c in hits}
    assert all(
        term.lower() in (c["Name"] + c.get("EmailAddress", "")).lower()
        or any(
            term.lower() in (c.get(f) or "").lower()
            for f in ("FirstName", "LastName", "ContactNumber", "CompanyNumber")
        )
        for c in hits
    )


def test_contacts_include_archived_and_ids(api):
    everyone = api.get("Contacts", params={"includeArchived": "true"}).json()["Contacts"]
    archived = [c for c in everyone if c["ContactStatus"] == "ARCHIVED"]
    assert archived and any("MergedToContactID" in c for c in archived)
    active = api.get("Contacts").json()["Contacts"]
    assert len(everyone) == len(active) + len(archived)
    assert all("ContactPersons" not in c for c in active)  # only paged lists and single GETs
    ids = ",".join(c["ContactID"] for c in active[:3])
    picked = api.get("Contacts", params={"IDs": ids}).json()["Contacts"]
    assert {c["ContactID"] for c in picked} == {c["ContactID"] for c in active[:3]}


def test_single_contact_and_unknown_id(api):
    contact = first_contact(api)[0]
    body = api.get(f"Contacts/{contact['ContactID']}").json()
    assert body["Contacts"][0]["ContactID"] == contact["ContactID"]
    assert "ContactPersons" in body["Contacts"][0] and "Balances" in body["Contacts"][0]
    missing = api.get(f"Contacts/{uuid.uuid4()}", spec=False)  # the spec lists no 404
    assert missing.status_code == 404
    assert missing.text == "The resource you're looking for cannot be found"


def test_create_contact_then_refuse_the_same_name(api):
    name = unique("Kowhai Test Traders")
    body = {"Contacts": [{"Name": name, "EmailAddress": "ap@kowhai.example", "FirstName": "Ana"}]}
    created = api.put("Contacts", body)
    assert created.status_code == 200
    contact = created.json()["Contacts"][0]
    assert contact["Name"] == name and contact["ContactStatus"] == "ACTIVE"
    uuid.UUID(contact["ContactID"])
    again = api.put("Contacts", {"Contacts": [{"Name": name.upper()}]})
    assert_validation(
        again,
        f"The contact name {name.upper()} is already assigned to another contact. "
        "The contact name must be unique across all active contacts.",
    )
    assert again.json()["Elements"][0]["Name"] == name.upper()
    assert api.put("Contacts", {"Contacts": [{"EmailAddress": "x@y.z"}]}).status_code == 400


# -- invoices -----------------------------------------------------------------------------------


def test_invoices_filters(api):
    everything = api.get("Invoices").json()["Invoices"]
    assert all("LineItems" not in i for i in everything)  # no paging: no line items
    sample = next(i for i in everything if i["Status"] == "AUTHORISED")
    contact_id = sample["Contact"]["ContactID"]
    by_contact = api.get("Invoices", params={"ContactIDs": contact_id}).json()["Invoices"]
    assert by_contact and all(i["Contact"]["ContactID"] == contact_id for i in by_contact)
    statuses = api.get("Invoices", params={"Statuses": "PAID,VOIDED"}).json()["Invoices"]
    assert statuses and {i["Status"] for i in statuses} == {"PAID", "VOIDED"}
    ids = api.get("Invoices", params={"IDs": sample["InvoiceID"]}).json()["Invoices"]
    assert [i["InvoiceID"] for i in ids] == [sample["InvoiceID"]]
    numbers = api.get("Invoices", params={"InvoiceNumbers": "INV-0001,INV-0002"}).json()
    assert sorted(i["InvoiceNumber"] for i in numbers["Invoices"]) == ["INV-0001", "INV-0002"]


def test_invoices_where_type_status_contact_and_due_date(api, sandbox_reset):
    today = sandbox_reset.clock.today()
    where = (
        f'Type=="ACCREC" AND Status=="AUTHORISED" AND '
        f"DueDate<DateTime({today.year},{today.month},{today.day})"
    )
    overdue = api.get("Invoices", params={"where": where, "page": 1}).json()["Invoices"]
    assert overdue and all(i["Type"] == "ACCREC" and i["Status"] == "AUTHORISED" for i in overdue)
    assert all(parse_date(i["DueDate"]) < today for i in overdue)
    later = f'Status=="AUTHORISED" && DueDate>=DateTime({today.year},{today.month},{today.day})'
    ahead = api.get("Invoices", params={"where": later}).json()["Invoices"]
    assert ahead and all(parse_date(i["DueDate"]) >= today for i in ahead)
    contact = overdue[0]["Contact"]["ContactID"]
    mine = api.get("Invoices", params={"where": f'Contact.ContactID=guid("{contact}")'}).json()
    assert mine["Invoices"] and all(i["Contact"]["ContactID"] == contact for i in mine["Invoices"])
    drafts_or_paid = api.get("Invoices", params={"where": 'Status=="DRAFT" OR Status=="PAID"'})
    assert {i["Status"] for i in drafts_or_paid.json()["Invoices"]} == {"DRAFT", "PAID"}


def test_invoices_paging_and_summary_only(api):
    page = api.get("Invoices", params={"page": 1, "pageSize": 7}).json()
    assert len(page["Invoices"]) == 7 and page["pagination"]["pageSize"] == 7
    assert all("LineItems" in i for i in page["Invoices"])
    last = page["pagination"]["pageCount"]
    tail = api.get("Invoices", params={"page": last, "pageSize": 7}).json()["Invoices"]
    assert 1 <= len(tail) <= 7
    beyond = api.get("Invoices", params={"page": last + 1, "pageSize": 7}).json()["Invoices"]
    assert beyond == []
    big = api.get("Invoices", params={"page": 1, "pageSize": 5000}).json()["pagination"]
    assert big["pageSize"] == 1000
    summary = api.get("Invoices", params={"page": 1, "summaryOnly": "true"}).json()["Invoices"]
    assert all("LineItems" not in i and "Payments" not in i for i in summary)


def test_single_invoice_by_id_and_number(api):
    invoice = api.get("Invoices", params={"page": 1}).json()["Invoices"][0]
    by_id = api.get(f"Invoices/{invoice['InvoiceID']}").json()["Invoices"][0]
    assert by_id["LineItems"] and by_id["InvoiceID"] == invoice["InvoiceID"]
    if invoice["InvoiceNumber"].startswith("INV-"):
        by_number = api.get(f"Invoices/{invoice['InvoiceNumber']}", spec=False).json()
        assert by_number["Invoices"][0]["InvoiceID"] == invoice["InvoiceID"]
    assert api.get(f"Invoices/{uuid.uuid4()}", spec=False).status_code == 404


def _customer(api) -> dict:
    return next(c for c in first_contact(api) if c["ContactStatus"] == "ACTIVE")


def test_create_invoice_and_bill_compute_totals(api, sandbox_reset):
    contact = _customer(api)
    invoice = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact["ContactID"]},
        "LineItems": [
            {"Description": "Consulting", "Quantity": 3, "UnitAmount": 99.99, "AccountCode": "200"},
            {"ItemCode": "WIDGET-A", "Quantity": 2.5},
        ],
    }
    created = api.put("Invoices", {"Invoices": [invoice]}).json()["Invoices"][0]
    assert created["Status"] == "DRAFT" and created["LineAmountTypes"] == "Exclusive"
    assert created["InvoiceNumber"].startswith("INV-")
    # 3 × 99.99 = 299.97 (tax 45.00); 2.5 × 24.95 = 62.38 (tax 9.36)
    assert [line["LineAmount"] for line in created["LineItems"]] == [299.97, 62.38]
    assert [line["TaxAmount"] for line in created["LineItems"]] == [45.0, 9.36]
    assert created["SubTotal"] == 362.35 and created["TotalTax"] == 54.36
    assert created["Total"] == 416.71 and created["AmountDue"] == 416.71
    assert created["CurrencyCode"] == "NZD" and created["CurrencyRate"] == 1.0
    assert parse_date(created["Date"]) is not None
    bill = {
        "Type": "ACCPAY",
        "InvoiceNumber": "SUP-7781",
        "Contact": {"ContactID": contact["ContactID"]},
        "LineAmountTypes": "Inclusive",
        "CurrencyCode": "USD",
        "Status": "AUTHORISED",
        "Date": str(sandbox_reset.clock.today()),
        "DueDate": str(sandbox_reset.clock.today() + timedelta(days=20)),
        "LineItems": [
            {"Description": "Paper", "Quantity": 1, "UnitAmount": 115, "AccountCode": "429"}
        ],
    }
    made = api.put("Invoices", {"Invoices": [bill]}).json()["Invoices"][0]
    assert made["InvoiceNumber"] == "SUP-7781" and made["Status"] == "AUTHORISED"
    assert made["Total"] == 115.0 and made["TotalTax"] == 15.0 and made["SubTotal"] == 100.0
    assert made["CurrencyCode"] == "USD" and made["CurrencyRate"] == 0.59
    fetched = api.get(f"Invoices/{made['InvoiceID']}").json()["Invoices"][0]
    assert fetched["Total"] == 115.0


INVALID_INVOICES = [
    ({"Contact": {"ContactID": str(uuid.UUID(int=7))}}, "could not be found"),
    ({"Contact": None}, "A Contact must be specified"),
    (
        {"LineItems": [{"Description": "x", "UnitAmount": 1, "AccountCode": "999"}]},
        "Account code '999' is not a valid code for this document.",
    ),
    (
        {"LineItems": [{"Description": "x", "UnitAmount": 1, "AccountCode": "220"}]},
        "has been archived",
    ),
    (
        {
            "LineItems": [
                {"Description": "x", "UnitAmount": 1, "AccountCode": "200", "TaxType": "BOGUS"}
            ]
        },
        "The TaxType code 'BOGUS' does not exist",
    ),
    ({"LineItems": []}, "At least one line item"),
    ({"Date": "2026-03-10", "DueDate": "2026-03-01"}, "Due Date must be on or after"),
    (
        {"Date": "2013-07-01"},
        "The document date cannot be before the end of year lock date, currently set at",
    ),
    (
        {
            "LineItems": [
                {"Description": "x", "Quantity": 1.23456, "UnitAmount": 1, "AccountCode": "200"}
            ]
        },
        "Quantity must not have more than 4 decimal places",
    ),
    (
        {"LineItems": [{"Description": "x", "UnitAmount": 1.000001, "AccountCode": "200"}]},
        "UnitAmount must not have more than 4 decimal places",
    ),
    ({"CurrencyCode": "JPY"}, "Organisation is not subscribed to currency JPY"),
    ({"Type": "ACCRECCREDIT"}, "Invoice Type must be ACCREC or ACCPAY"),
    ({"Status": "PAID"}, "cannot be used when creating"),
]


@pytest.mark.parametrize(("change", "message"), INVALID_INVOICES)
def test_invalid_invoices_are_refused_like_xero(api, change, message):
    invoice = {
        "Type": "ACCREC",
        "Contact": {"ContactID": _customer(api)["ContactID"]},
        "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 10, "AccountCode": "200"}],
    } | change
    response = api.put("Invoices", {"Invoices": [invoice]})
    assert_validation(response, message)
    element = response.json()["Elements"][0]
    assert element["Type"] == invoice["Type"]  # the element as submitted, with its errors


def test_malformed_where_is_a_query_parse_exception(api):
    for where in [
        "Status==",
        'Status=="DRAFT" AND',
        'Nonsense=="x"',
        "DueDate<DateTime(2026,13,1)",
    ]:
        response = api.get("Invoices", params={"where": where}, spec=False)  # no 400 in spec
        assert response.status_code == 400, where
        body = response.json()
        assert body["ErrorNumber"] == 16 and body["Type"] == "QueryParseException"


# -- quotes -------------------------------------------------------------------------------------


def test_quotes_filters_and_paging(api, sandbox_reset):
    quotes = api.get("Quotes").json()["Quotes"]
    assert len(quotes) == 95 and all(q["LineItems"] for q in quotes)
    assert {q["LineAmountTypes"] for q in quotes} <= {"EXCLUSIVE", "INCLUSIVE", "NOTAX"}
    assert api.get("Quotes", params={"page": 2}).json()["Quotes"] == []
    sent = api.get("Quotes", params={"Status": "SENT"}).json()["Quotes"]
    assert sent and all(q["Status"] == "SENT" for q in sent)
    today = sandbox_reset.clock.today()
    assert any(parse_date(q["ExpiryDate"]) < today for q in sent)  # expired ones exist
    contact = sent[0]["Contact"]["ContactID"]
    theirs = api.get("Quotes", params={"ContactID": contact}).json()["Quotes"]
    assert theirs and all(q["Contact"]["ContactID"] == contact for q in theirs)
    window = {"DateFrom": str(today - timedelta(days=10)), "DateTo": str(today)}
    recent = api.get("Quotes", params=window).json()["Quotes"]
    assert recent and all(
        today - timedelta(days=10) <= parse_date(q["Date"]) <= today for q in recent
    )
    expiring = {"ExpiryDateFrom": str(today), "ExpiryDateTo": str(today + timedelta(days=40))}
    assert all(
        parse_date(q["ExpiryDate"]) >= today
        for q in api.get("Quotes", params=expiring).json()["Quotes"]
    )
    number = quotes[0]["QuoteNumber"]
    assert [
        q["QuoteNumber"] for q in api.get("Quotes", params={"QuoteNumber": number}).json()["Quotes"]
    ] == [number]
    single = api.get(f"Quotes/{quotes[0]['QuoteID']}").json()["Quotes"][0]
    assert single["QuoteID"] == quotes[0]["QuoteID"]
    assert api.get(f"Quotes/{uuid.uuid4()}", spec=False).status_code == 404


def test_create_quote_and_refuse_an_incomplete_one(api, sandbox_reset):
    contact = _customer(api)
    today = sandbox_reset.clock.today()
    quote = {
        "Contact": {"ContactID": contact["ContactID"]},
        "Date": str(today),
        "ExpiryDate": str(today + timedelta(days=30)),
        "LineAmountTypes": "INCLUSIVE",
        "LineItems": [{"Description": "Design", "Quantity": 1, "UnitAmount": 230}],
    }
    created = api.put("Quotes", {"Quotes": [quote]}).json()["Quotes"][0]
    assert created["QuoteNumber"].startswith("QU-") and created["Status"] == "DRAFT"
    assert created["Total"] == 230.0 and created["TotalTax"] == 30.0
    assert created["LineAmountTypes"] == "INCLUSIVE"
    response = api.put("Quotes", {"Quotes": [{"Contact": {"ContactID": contact["ContactID"]}}]})
    assert_validation(response, "Date must be specified", "At least one line item")


# -- authentication, tenancy, limits, idempotency ------------------------------------------------


def test_expired_and_invalid_tokens_get_401(api, sandbox_reset):
    sandbox_reset.clock.advance(minutes=31)
    expired = api.get("Organisation", spec=False)  # the spec lists no 401
    body = assert_problem(expired, 401, "TokenExpired: token expired at ")
    assert body["Title"] == "Unauthorized"
    sandbox_reset.clock.reset()
    wrong = requests.get(
        api.url("Organisation"),
        headers={"Authorization": "Bearer nope", "xero-tenant-id": api.tokens.tenant_id},
        timeout=10,
    )
    assert_problem(wrong, 401, "AuthenticationUnsuccessful")
    assert requests.get(api.url("Organisation"), timeout=10).status_code == 401


def test_missing_unknown_or_ungranted_tenant_gets_403(api, live_server):
    uk = live_server.app.extensions["sandbox"].find_org("Demo Company (UK)").tenant_id
    for tenant in ("not-a-tenant", str(uuid.uuid4()), uk):
        response = api.get("Contacts", tenant=tenant, spec=False)
        body = assert_problem(response, 403, "AuthenticationUnsuccessful")
        assert body["Title"] == "Forbidden"
    no_header = requests.get(
        api.url("Contacts"),
        headers={"Authorization": f"Bearer {api.tokens.access_token}"},
        timeout=10,
    )
    assert_problem(no_header, 403, "AuthenticationUnsuccessful")


def test_minute_limit_answers_429_with_retry_after(api, live_server, monkeypatch):
    monkeypatch.setitem(live_server.app.config, "SANDBOX_MINUTE_LIMIT", 2)
    first = api.get("Currencies")
    assert first.headers["X-MinLimit-Remaining"] == "1"
    assert api.get("Currencies").headers["X-MinLimit-Remaining"] == "0"
    refused = api.get("Currencies", spec=False)
    assert_problem(refused, 429, "Rate limit exceeded")
    assert refused.headers["X-Rate-Limit-Problem"] == "minute"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_idempotency_key_replays_the_first_answer(api):
    contact = _customer(api)
    key = uuid.uuid4().hex
    invoice = {
        "Invoices": [
            {
                "Type": "ACCREC",
                "Contact": {"ContactID": contact["ContactID"]},
                "Reference": unique("idem"),
                "LineItems": [{"Description": "x", "UnitAmount": 5, "AccountCode": "200"}],
            }
        ]
    }
    first = api.put("Invoices", invoice, headers={"Idempotency-Key": key})
    again = api.put("Invoices", invoice, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    where = f'Reference=="{invoice["Invoices"][0]["Reference"]}"'
    assert len(api.get("Invoices", params={"where": where}).json()["Invoices"]) == 1
    other = invoice | {"Invoices": [invoice["Invoices"][0] | {"Reference": "different"}]}
    assert (
        api.put("Invoices", other, headers={"Idempotency-Key": key}, spec=False).status_code == 400
    )
    long_key = api.put("Invoices", invoice, headers={"Idempotency-Key": "k" * 129}, spec=False)
    assert long_key.status_code == 400


# -- connections --------------------------------------------------------------------------------


def test_connections_list_and_delete(live_server, sandbox_reset):
    tokens = obtain_tokens(live_server.sandbox_url, ["Demo Company (NZ)", "Demo Company (UK)"])
    url = f"{live_server.sandbox_url}/api.xero.com/connections"
    headers = {"Authorization": f"Bearer {tokens.access_token}"}
    listed = requests.get(url, headers=headers, timeout=10)
    validate_exchange(listed)
    connections = listed.json()
    assert {c["tenantName"] for c in connections} == {"Demo Company (NZ)", "Demo Company (UK)"}
    assert all(c["tenantType"] == "ORGANISATION" for c in connections)
    assert len({c["authEventId"] for c in connections}) == 1
    uk = next(c for c in connections if c["tenantName"] == "Demo Company (UK)")
    api = Api(live_server.sandbox_url, tokens)
    assert api.get("Organisation", tenant=uk["tenantId"]).status_code == 200
    deleted = requests.delete(
        f"{url.replace('connections', 'Connections')}/{uk['id']}", headers=headers, timeout=10
    )
    validate_exchange(deleted)
    assert deleted.status_code == 204
    assert [c["tenantId"] for c in requests.get(url, headers=headers, timeout=10).json()] == [
        tokens.tenants["Demo Company (NZ)"]
    ]
    assert_problem(
        api.get("Organisation", tenant=uk["tenantId"], spec=False), 403, "Authentication"
    )
    again = requests.delete(f"{url}/{uk['id']}", headers=headers, timeout=10)
    validate_exchange(again)
    assert again.status_code == 404
    assert requests.get(url, timeout=10).status_code == 401


# -- incremental reads: If-Modified-Since --------------------------------------------------------


_JUMPS = itertools.count(1)


def later_api(live_server, sandbox) -> Api:
    """Move the sandbox clock on, further each time (so what a test makes now is newer than
    everything seeded or made by an earlier test), and consent again (the first token died
    with the jump)."""
    sandbox.clock.advance(days=3 * next(_JUMPS))
    return Api(live_server.sandbox_url, obtain_tokens(live_server.sandbox_url))


def _since_header(moment) -> str:
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S")


def test_if_modified_since_returns_only_later_changes(live_server, sandbox_reset):
    api = later_api(live_server, sandbox_reset)
    since = sandbox_reset.clock.now()
    contact = api.put("Contacts", {"Name": unique("Rimu Sync Ltd")}).json()["Contacts"][0]
    invoice = api.put(
        "Invoices",
        {
            "Type": "ACCREC",
            "Contact": {"ContactID": contact["ContactID"]},
            "LineItems": [{"Description": "Sync", "Quantity": 1, "UnitAmount": 10}],
        },
    ).json()["Invoices"][0]
    today = sandbox_reset.clock.today()
    quote = api.put(
        "Quotes",
        {
            "Contact": {"ContactID": contact["ContactID"]},
            "Date": str(today),
            "LineItems": [{"Description": "Sync", "Quantity": 1, "UnitAmount": 10}],
        },
    ).json()["Quotes"][0]
    header = {"If-Modified-Since": _since_header(since)}
    created = {
        "Contacts": ("ContactID", contact),
        "Invoices": ("InvoiceID", invoice),
        "Quotes": ("QuoteID", quote),
    }
    for resource, (key, document) in created.items():
        params = {"page": 1} if resource != "Contacts" else {"page": 1, "includeArchived": "true"}
        found = api.get(resource, headers=header, params=params).json()[resource]
        assert [item[key] for item in found] == [document[key]], resource
        stamp = read_datetime(found[0]["UpdatedDateUTC"])
        assert stamp > since.replace(microsecond=0) and stamp.microsecond % 1000 == 0
        everything = api.get(resource, params=params).json()
        assert len(everything[resource]) > 1  # the header, not the data, narrowed it
    rfc1123 = {"If-Modified-Since": format_datetime(since.replace(tzinfo=UTC), usegmt=True)}
    by_rfc = api.get("Invoices", headers=rfc1123, params={"page": 1}).json()["Invoices"]
    assert [i["InvoiceID"] for i in by_rfc] == [invoice["InvoiceID"]]
    unpaged = api.get("Invoices", headers=header).json()
    assert [i["InvoiceID"] for i in unpaged["Invoices"]] == [invoice["InvoiceID"]]


def test_if_modified_since_is_to_the_second_and_later_means_later(live_server, sandbox_reset):
    api = later_api(live_server, sandbox_reset)
    contact = api.put("Contacts", {"Name": unique("Totara Seconds")}).json()["Contacts"][0]
    stamp = read_datetime(contact["UpdatedDateUTC"])
    same_second = {"If-Modified-Since": _since_header(stamp)}
    found = api.get("Contacts", headers=same_second, params={"page": 1}).json()["Contacts"]
    assert contact["ContactID"] in [c["ContactID"] for c in found]  # 12:00:00.345 > 12:00:00
    next_second = {"If-Modified-Since": _since_header(stamp + timedelta(seconds=1))}
    assert api.get("Contacts", headers=next_second, params={"page": 1}).json()["Contacts"] == []


# -- credit notes, allocations, payments ---------------------------------------------------------


def authorised_invoice(api, contact_id: str, amount: float, kind: str = "ACCREC") -> dict:
    due = str(api_today(api) + timedelta(days=14))
    body = {
        "Type": kind,
        "Status": "AUTHORISED",
        "DueDate": due,
        "Contact": {"ContactID": contact_id},
        "LineAmountTypes": "NoTax",
        "LineItems": [
            {"Description": "Work", "Quantity": 1, "UnitAmount": amount, "AccountCode": "200"}
        ],
    }
    if kind == "ACCPAY":
        body["LineItems"][0]["AccountCode"] = "400"
    created = api.put("Invoices", body)
    assert created.status_code == 200, created.text
    return created.json()["Invoices"][0]


def api_today(api):
    return parse_date(api.get("Organisation").json()["DateTimeUTC"])


def credit_note(api, contact_id: str, amount: float, status="AUTHORISED", kind="ACCRECCREDIT"):
    body = {
        "Type": kind,
        "Status": status,
        "Contact": {"ContactID": contact_id},
        "LineAmountTypes": "NoTax",
        "LineItems": [
            {"Description": "Refund", "Quantity": 1, "UnitAmount": amount, "AccountCode": "200"}
        ],
    }
    created = api.put("CreditNotes", {"CreditNotes": [body]})
    assert created.status_code == 200, created.text
    return created.json()["CreditNotes"][0]


def test_credit_notes_list_filters_and_one(api):
    unpaged = api.get("CreditNotes").json()
    assert "pagination" not in unpaged and unpaged["CreditNotes"]
    assert all("LineItems" not in note for note in unpaged["CreditNotes"])
    paged = api.get("CreditNotes", params={"page": 1, "pageSize": 1000}).json()
    notes = paged["CreditNotes"]
    assert paged["pagination"]["itemCount"] == len(notes) and all("LineItems" in n for n in notes)
    assert {"AUTHORISED", "PAID", "VOIDED"} <= {n["Status"] for n in notes}
    assert {"ACCRECCREDIT", "ACCPAYCREDIT"} == {n["Type"] for n in notes}
    for note in notes:
        if note["Status"] in ("PAID", "VOIDED"):
            assert note["RemainingCredit"] == 0
        if note["Status"] == "AUTHORISED" and not note["Allocations"]:
            assert note["RemainingCredit"] == note["Total"] > 0
    where = 'Type=="ACCRECCREDIT" AND Status=="AUTHORISED"'
    open_sales = api.get("CreditNotes", params={"page": 1, "where": where}).json()["CreditNotes"]
    assert open_sales and all(
        n["Type"] == "ACCRECCREDIT" and n["Status"] == "AUTHORISED" for n in open_sales
    )
    contact_id = open_sales[0]["Contact"]["ContactID"]
    by_contact = api.get(
        "CreditNotes", params={"page": 1, "where": f'Contact.ContactID==guid("{contact_id}")'}
    ).json()["CreditNotes"]
    assert by_contact and all(n["Contact"]["ContactID"] == contact_id for n in by_contact)
    by_number = api.get("CreditNotes", params={"page": 1, "order": "CreditNoteNumber DESC"})
    numbers = [n["CreditNoteNumber"].lower() for n in by_number.json()["CreditNotes"]]
    assert numbers == sorted(numbers, reverse=True)
    one = api.get(f"CreditNotes/{open_sales[0]['CreditNoteID']}").json()["CreditNotes"][0]
    assert one["CreditNoteID"] == open_sales[0]["CreditNoteID"] and one["LineItems"]
    same = api.get(f"CreditNotes/{one['CreditNoteNumber']}").json()["CreditNotes"][0]
    assert same["CreditNoteID"] == one["CreditNoteID"]
    assert api.get(f"CreditNotes/{uuid.uuid4()}", spec=False).status_code == 404


def test_seeded_allocated_credit_notes_match_their_invoices(api):
    notes = api.get("CreditNotes", params={"page": 1, "pageSize": 1000}).json()["CreditNotes"]
    allocated = [n for n in notes if n["Allocations"]]
    assert allocated
    for note in allocated:
        invoice_id = note["Allocations"][0]["Invoice"]["InvoiceID"]
        invoice = api.get(f"Invoices/{invoice_id}").json()["Invoices"][0]
        assert invoice["AmountCredited"] == note["Total"] == note["Allocations"][0]["Amount"]
        assert invoice["CreditNotes"][0]["CreditNoteID"] == note["CreditNoteID"]
        due = invoice["Total"] - invoice["AmountPaid"] - invoice["AmountCredited"]
        assert invoice["AmountDue"] == pytest.approx(due)


def test_create_and_allocate_a_credit_note(live_server, sandbox_reset):
    api = later_api(live_server, sandbox_reset)
    contact = api.put("Contacts", {"Name": unique("Kauri Credit Co")}).json()["Contacts"][0]
    invoice = authorised_invoice(api, contact["ContactID"], 100)
    note = credit_note(api, contact["ContactID"], 30)
    assert note["CreditNoteNumber"].startswith("CN-") and note["RemainingCredit"] == 30
    assert note["Status"] == "AUTHORISED" and note["Total"] == 30
    since = {"If-Modified-Since": _since_header(sandbox_reset.clock.now())}
    sandbox_reset.clock.advance(seconds=2)
    url = f"CreditNotes/{note['CreditNoteID']}/Allocations"
    date = str(api_today(api))
    allocation = {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 20, "Date": date}
    answer = api.put(url, {"Allocations": [allocation]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["Allocations"][0]["Amount"] == 20
    after = api.get(f"Invoices/{invoice['InvoiceID']}").json()["Invoices"][0]
    assert after["AmountDue"] == 80 and after["AmountCredited"] == 20
    assert after["Status"] == "AUTHORISED"
    assert read_datetime(after["UpdatedDateUTC"]) > read_datetime(invoice["UpdatedDateUTC"])
    changed = api.get("CreditNotes", headers=since, params={"page": 1}).json()["CreditNotes"]
    assert [n["CreditNoteID"] for n in changed] == [note["CreditNoteID"]]
    assert changed[0]["RemainingCredit"] == 10 and changed[0]["Status"] == "AUTHORISED"
    changed_invoices = api.get("Invoices", headers=since, params={"page": 1}).json()["Invoices"]
    assert [i["InvoiceID"] for i in changed_invoices] == [invoice["InvoiceID"]]
    too_much = api.put(url, {"Allocations": [allocation | {"Amount": 11}]}, spec=False)
    assert_validation(too_much, "remaining credit")
    rest = api.put(url, {"Allocations": [allocation | {"Amount": 10}]})
    assert rest.status_code == 200
    paid_note = api.get(f"CreditNotes/{note['CreditNoteID']}").json()["CreditNotes"][0]
    assert paid_note["Status"] == "PAID" and paid_note["RemainingCredit"] == 0
    assert len(paid_note["Allocations"]) == 2
    again = api.put(url, {"Allocations": [allocation | {"Amount": 1}]}, spec=False)
    assert_validation(again, "Only an AUTHORISED credit note")


def test_credit_note_allocation_settles_the_invoice_and_refuses_mismatches(
    live_server, sandbox_reset
):
    api = later_api(live_server, sandbox_reset)
    contact = api.put("Contacts", {"Name": unique("Matai Settle Ltd")}).json()["Contacts"][0]
    other = api.put("Contacts", {"Name": unique("Other Party")}).json()["Contacts"][0]
    invoice = authorised_invoice(api, contact["ContactID"], 40)
    note = credit_note(api, contact["ContactID"], 100)
    stranger = credit_note(api, other["ContactID"], 10)
    draft = credit_note(api, contact["ContactID"], 10, status="DRAFT")
    date = str(api_today(api))
    allocation = {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 40, "Date": date}
    for bad, message in [
        (stranger, "same contact"),
        (draft, "Only an AUTHORISED credit note"),
    ]:
        url = f"CreditNotes/{bad['CreditNoteID']}/Allocations"
        refused = api.put(url, {"Allocations": [allocation | {"Amount": 5}]}, spec=False)
        assert_validation(refused, message)
    over = api.put(
        f"CreditNotes/{note['CreditNoteID']}/Allocations",
        {"Allocations": [allocation | {"Amount": 41}]},
        spec=False,
    )
    assert_validation(over, "amount due on the invoice")
    api.put(f"CreditNotes/{note['CreditNoteID']}/Allocations", {"Allocations": [allocation]})
    settled = api.get(f"Invoices/{invoice['InvoiceID']}").json()["Invoices"][0]
    assert settled["Status"] == "PAID" and settled["AmountDue"] == 0
    assert settled["FullyPaidOnDate"].startswith("/Date(")
    left = api.get(f"CreditNotes/{note['CreditNoteID']}").json()["CreditNotes"][0]
    assert left["RemainingCredit"] == 60 and left["Status"] == "AUTHORISED"
    assert (
        api.put("CreditNotes", {"CreditNotes": [{"Type": "NOPE"}]}, spec=False).status_code == 400
    )


def test_payments_pay_an_invoice_in_parts_until_paid(live_server, sandbox_reset):
    api = later_api(live_server, sandbox_reset)
    contact = api.put("Contacts", {"Name": unique("Puriri Payments")}).json()["Contacts"][0]
    invoice = authorised_invoice(api, contact["ContactID"], 250)
    since = {"If-Modified-Since": _since_header(sandbox_reset.clock.now())}
    sandbox_reset.clock.advance(seconds=2)
    date = str(api_today(api))
    payment = {
        "Invoice": {"InvoiceID": invoice["InvoiceID"]},
        "Account": {"Code": "090"},
        "Date": date,
        "Amount": 100,
        "Reference": "Part",
    }
    first = api.put("Payments", payment)
    assert first.status_code == 200, first.text
    made = first.json()["Payments"][0]
    assert made["Amount"] == 100 and made["PaymentType"] == "ACCRECPAYMENT"
    assert made["Status"] == "AUTHORISED" and made["Invoice"]["InvoiceID"] == invoice["InvoiceID"]
    part = api.get(f"Invoices/{invoice['InvoiceID']}").json()["Invoices"][0]
    assert part["AmountPaid"] == 100 and part["AmountDue"] == 150
    assert part["Status"] == "AUTHORISED" and "FullyPaidOnDate" not in part
    assert [p["PaymentID"] for p in part["Payments"]] == [made["PaymentID"]]
    over = api.put("Payments", payment | {"Amount": 150.01}, spec=False)
    assert_validation(over, "Payment amount exceeds the amount outstanding on this document")
    rest = api.put("Payments", {"Payments": [payment | {"Amount": 150}]})
    assert rest.status_code == 200
    paid = api.get(f"Invoices/{invoice['InvoiceID']}").json()["Invoices"][0]
    assert paid["Status"] == "PAID" and paid["AmountDue"] == 0 and paid["AmountPaid"] == 250
    assert parse_date(paid["FullyPaidOnDate"]) == api_today(api)
    changed = api.get("Invoices", headers=since, params={"page": 1}).json()["Invoices"]
    assert [i["InvoiceID"] for i in changed] == [invoice["InvoiceID"]]
    payments = api.get("Payments", headers=since).json()["Payments"]
    assert sorted(p["Amount"] for p in payments) == [100, 150]
    again = api.put("Payments", payment | {"Amount": 1}, spec=False)
    assert_validation(again, "Payments can only be made against Authorised documents")
    one = api.get(f"Payments/{made['PaymentID']}").json()["Payments"][0]
    assert one["PaymentID"] == made["PaymentID"]


def test_payments_refused_like_xero(live_server, sandbox_reset):
    api = later_api(live_server, sandbox_reset)
    contact = api.put("Contacts", {"Name": unique("Hinau Refusals")}).json()["Contacts"][0]
    bill = authorised_invoice(api, contact["ContactID"], 80, kind="ACCPAY")
    draft = api.put(
        "Invoices",
        {
            "Type": "ACCREC",
            "Contact": {"ContactID": contact["ContactID"]},
            "LineItems": [{"Description": "Draft", "Quantity": 1, "UnitAmount": 5}],
        },
    ).json()["Invoices"][0]
    date = str(api_today(api))
    base = {"Account": {"Code": "090"}, "Date": date, "Amount": 10}
    cases = [
        (base | {"Invoice": {"InvoiceID": draft["InvoiceID"]}}, "Authorised documents"),
        (base | {"Invoice": {"InvoiceID": str(uuid.uuid4())}}, "Invoice could not be found"),
        (
            base | {"Invoice": {"InvoiceID": bill["InvoiceID"]}, "Account": {"Code": "200"}},
            "Payments cannot be made to this account",
        ),
        (base | {"Invoice": {"InvoiceID": bill["InvoiceID"]}, "Amount": -5}, "greater than zero"),
        (
            base | {"Invoice": {"InvoiceID": bill["InvoiceID"]}, "Account": {"Code": "NOPE"}},
            "Account could not be found",
        ),
    ]
    for body, message in cases:
        assert_validation(api.put("Payments", body, spec=False), message)
    paid_bill = api.put("Payments", base | {"Invoice": {"InvoiceID": bill["InvoiceID"]}})
    assert paid_bill.json()["Payments"][0]["PaymentType"] == "ACCPAYPAYMENT"
    after = api.get(f"Invoices/{bill['InvoiceID']}").json()["Invoices"][0]
    assert after["AmountDue"] == 70 and after["AmountPaid"] == 10
