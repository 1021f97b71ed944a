"""The client against canned Xero answers: what goes out, and what each answer becomes."""

import json
import logging
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.xero import samples
from tests.xero.canned import ENDPOINTS, LIMIT_HEADERS, TENANT, Canned, CannedAdapter, session_with
from widget.xero import (
    ContactDraft,
    InvoiceDraft,
    InvoiceType,
    LineItemDraft,
    MemoryLimitRecorder,
    RateLimitRemaining,
    XeroClient,
    XeroNeedsReauthorisation,
    XeroNotFound,
    XeroRateLimited,
    XeroRequestError,
    XeroUnavailable,
    XeroValidationError,
)
from widget.xero.http import USER_AGENT

TOKEN = "eyJhbGciOiJSUzI1NiJ9.secret-access-token"
CONTACT = "a3675fc4-f8dd-4f03-ba5b-f1870566bcd7"


def ok(body, **headers):
    return Canned(200, body, {**LIMIT_HEADERS, **headers})


def make(*replies, refresh=None, recorder=None, timeout=3.5):
    adapter = CannedAdapter(*replies)
    client = XeroClient(
        ENDPOINTS,
        TENANT,
        lambda: TOKEN,
        refresh_access_token=refresh,
        timeout=timeout,
        session=session_with(adapter),
        recorder=recorder or MemoryLimitRecorder(),
    )
    return client, adapter


def query(sent) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(sent.url).query).items()}


def test_every_call_carries_tenant_accept_user_agent_bearer_and_a_timeout():
    client, adapter = make(ok(samples.ORGANISATION))
    org = client.organisation()
    assert org.short_code == "!mBdtL"
    (sent,) = adapter.sent
    assert sent.method == "GET"
    assert sent.url == f"{ENDPOINTS.api_url}/Organisation"
    assert sent.headers["xero-tenant-id"] == TENANT
    assert sent.headers["Accept"] == "application/json"
    assert sent.headers["User-Agent"] == USER_AGENT
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent.timeout == (3.5, 3.5)  # connect and read


def test_contacts_use_optimised_where_with_proper_percent_encoding():
    client, adapter = make(ok(samples.CONTACTS))
    page = client.contacts(
        email="a+b@x.test", name="Fish & Chips", page=2, page_size=50, summary_only=True
    )
    assert len(page) == 2
    raw = urlsplit(adapter.sent[0].url).query
    assert "%2B" in raw and "+" not in raw  # '+' would read as a space
    assert "%22" in raw and '"' not in raw and "%20" in raw
    assert query(adapter.sent[0]) == {
        "where": 'EmailAddress=="a+b@x.test" AND Name=="Fish & Chips"',
        "page": "2",
        "pageSize": "50",
        "summaryOnly": "true",
    }


def test_a_quote_in_a_value_falls_back_to_search_term_and_exact_matches():
    body = json.loads(samples.CONTACTS)
    body["Contacts"][0]["EmailAddress"] = 'odd"name@x.test'
    client, adapter = make(ok(json.dumps(body)))
    page = client.contacts(email='ODD"name@x.test')
    assert query(adapter.sent[0]) == {"searchTerm": 'ODD"name@x.test'}
    assert [c.name for c in page] == ["Katherine Warren"]  # Lisa matched the search, not the email


def test_a_backslash_is_kept_out_of_where_too():
    client, adapter = make(ok(samples.CONTACTS))
    assert client.contacts(name="Back\\slash Ltd").items == []
    assert query(adapter.sent[0]) == {"searchTerm": "Back\\slash Ltd"}


def test_contact_ids_and_archived():
    client, adapter = make(ok(samples.CONTACTS))
    client.contacts(ids=[CONTACT, CONTACT.upper()], include_archived=True, search_term="war")
    assert query(adapter.sent[0]) == {
        "IDs": f"{CONTACT},{CONTACT}",
        "includeArchived": "true",
        "searchTerm": "war",
    }
    with pytest.raises(ValueError):
        client.contacts(ids=["../Invoices"])
    with pytest.raises(ValueError):
        client.contact("1 OR 1")
    assert len(adapter.sent) == 1  # nothing malformed went out


def test_invoice_filters():
    client, adapter = make(ok(samples.INVOICES))
    client.invoices(
        contact_ids=[CONTACT],
        statuses=["AUTHORISED", "draft"],
        invoice_type=InvoiceType.BILL,
        due_before=date(2026, 11, 22),
        page=1,
        page_size=1000,
    )
    assert query(adapter.sent[0]) == {
        "where": 'Type=="ACCPAY" AND DueDate<DateTime(2026,11,22)',
        "ContactIDs": CONTACT,
        "Statuses": "AUTHORISED,DRAFT",
        "page": "1",
        "pageSize": "1000",
        "unitdp": "4",
    }
    with pytest.raises(ValueError):
        client.invoices(page_size=1001)
    with pytest.raises(ValueError):
        client.invoices(invoice_type="ACCRECCREDIT")


def test_quote_filters():
    client, adapter = make(ok(samples.QUOTES))
    page = client.quotes(
        contact_id=CONTACT,
        status="SENT",
        date_from=date(2026, 1, 1),
        date_to=date(2026, 2, 1),
        expiry_date_from=date(2026, 3, 1),
        expiry_date_to=date(2026, 4, 1),
        page=1,
    )
    assert page.items[0].quote_number == "QU-0001"
    assert page.page == 1 and page.page_count is None  # Xero sends no pagination for quotes
    assert query(adapter.sent[0]) == {
        "ContactID": CONTACT,
        "Status": "SENT",
        "DateFrom": "2026-01-01",
        "DateTo": "2026-02-01",
        "ExpiryDateFrom": "2026-03-01",
        "ExpiryDateTo": "2026-04-01",
        "page": "1",
    }


def test_all_pages_follows_xeros_page_count_lazily():
    def page_of(n, count):
        return ok(
            {
                "pagination": {"page": n, "pageSize": 1, "pageCount": count, "itemCount": count},
                "Contacts": [{"ContactID": CONTACT, "Name": f"C{n}"}],
            }
        )

    client, adapter = make(page_of(1, 3), page_of(2, 3), page_of(3, 3))
    names = [c.name for c in client.all_pages(client.contacts, page_size=1)]
    assert names == ["C1", "C2", "C3"]
    assert [query(s)["page"] for s in adapter.sent] == ["1", "2", "3"]

    client, adapter = make(page_of(1, 3))
    first = next(iter(client.all_pages(client.contacts, page_size=1)))
    assert first.name == "C1" and len(adapter.sent) == 1


def test_create_invoice_puts_exact_json_with_the_idempotency_key():
    created = json.loads(samples.INVOICES)
    client, adapter = make(ok(json.dumps({"Invoices": created["Invoices"][:1]})))
    draft = InvoiceDraft(
        InvoiceType.SALES,
        CONTACT,
        line_items=[LineItemDraft("Fish", Decimal("0.1"), Decimal("0.2"), "200")],
    )
    invoice = client.create_invoice(draft, idempotency_key="form-123")
    assert invoice.invoice_number == "INV-0002"
    (sent,) = adapter.sent
    assert sent.method == "PUT"
    assert sent.headers["Idempotency-Key"] == "form-123"
    assert sent.headers["Content-Type"] == "application/json"
    assert query(sent) == {"summarizeErrors": "true", "unitdp": "4"}
    assert b'"Quantity":0.1,"UnitAmount":0.2' in sent.body
    with pytest.raises(ValueError):
        client.create_invoice(draft, idempotency_key="x" * 129)
    assert len(adapter.sent) == 1


def test_validation_error_maps_fields_from_the_sent_lines():
    client, _ = make(Canned(400, samples.INVOICE_VALIDATION, LIMIT_HEADERS))
    draft = InvoiceDraft(
        InvoiceType.SALES,
        CONTACT,
        line_items=[
            LineItemDraft("Fish", account_code="200"),
            LineItemDraft("Chips", account_code="999", tax_type="XYZ"),
            LineItemDraft(account_code="200"),
        ],
    )
    with pytest.raises(XeroValidationError) as caught:
        client.create_invoice(draft, idempotency_key="k1")
    assert "LineItems[1].AccountCode" in caught.value.field_errors
    assert "LineItems[2].Description" in caught.value.field_errors
    assert caught.value.body["Type"] == "ValidationException"


def test_errors_in_a_200_answer_are_validation_errors_too():
    body = {
        "Contacts": [
            {
                "Name": "Buzz",
                "HasValidationErrors": True,
                "ValidationErrors": [{"Message": "Email address must be valid."}],
            }
        ]
    }
    client, _ = make(ok(body))
    with pytest.raises(XeroValidationError) as caught:
        client.create_contact(ContactDraft("Buzz", email_address="x"), idempotency_key="k")
    assert caught.value.field_errors == {"EmailAddress": ["Email address must be valid."]}


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Canned(400, samples.QUERY_PARSE), XeroRequestError),
        (
            Canned(400, {"ErrorNumber": 17, "Type": "ObjectNotFoundException", "Message": "?"}),
            XeroRequestError,
        ),
        (
            Canned(401, {"Title": "Unauthorized", "Detail": "AuthenticationUnsuccessful"}),
            XeroNeedsReauthorisation,
        ),
        (Canned(403, samples.FORBIDDEN), XeroNeedsReauthorisation),
        (
            Canned(
                404,
                "The resource you're looking for cannot be found",
                {"Content-Type": "text/html"},
            ),
            XeroNotFound,
        ),
        (Canned(500, {"Message": "An error occurred"}), XeroUnavailable),
        (
            Canned(
                503,
                "The Xero API is currently offline for maintenance",
                {"Content-Type": "text/plain"},
            ),
            XeroUnavailable,
        ),
        (
            Canned(200, "<html>captive portal</html>", {"Content-Type": "text/html"}),
            XeroUnavailable,
        ),
        (Canned(200, {"Contacts": [{"Name": "no id"}]}), XeroUnavailable),
        (Canned(200, {"Contacts": []}), XeroNotFound),
        (Canned(raises=requests.ReadTimeout("slow")), XeroUnavailable),
        (Canned(raises=requests.ConnectionError("refused")), XeroUnavailable),
    ],
)
def test_error_mapping(reply, expected):
    client, adapter = make(reply)
    with pytest.raises(expected) as caught:
        client.contact(CONTACT)
    assert TOKEN not in str(caught.value)
    assert len(adapter.sent) == 1  # never retried


def test_rate_limited_is_raised_not_waited_for_and_its_figures_recorded():
    recorder = MemoryLimitRecorder()
    headers = {
        "Retry-After": "37",
        "X-Rate-Limit-Problem": "minute",
        "X-MinLimit-Remaining": "0",
        "X-DayLimit-Remaining": "4000",
        "X-AppMinLimit-Remaining": "9000",
    }
    client, adapter = make(Canned(429, None, headers), recorder=recorder)
    with pytest.raises(XeroRateLimited) as caught:
        client.accounts()
    assert caught.value.retry_after == 37 and caught.value.problem == "minute"
    assert len(adapter.sent) == 1
    assert recorder.latest(TENANT) == RateLimitRemaining(4000, 0, 9000)
    assert recorder.last_success_at(TENANT) is None


def test_unknown_rate_limit_problem_and_missing_retry_after():
    client, _ = make(Canned(429, None, {"X-Rate-Limit-Problem": "galactic"}))
    with pytest.raises(XeroRateLimited) as caught:
        client.items()
    assert caught.value.problem is None and caught.value.retry_after == 60


def test_expired_token_is_refreshed_once_and_the_request_resent():
    refreshed = []

    def refresh():
        refreshed.append(True)
        return "new-token"

    client, adapter = make(
        Canned(401, samples.TOKEN_EXPIRED), ok(samples.CURRENCIES), refresh=refresh
    )
    assert [c.code for c in client.currencies()] == ["NZD", "AUD"]
    assert refreshed == [True]
    assert [s.headers["Authorization"] for s in adapter.sent] == [
        f"Bearer {TOKEN}",
        "Bearer new-token",
    ]


def test_a_second_401_after_refresh_needs_reauthorisation():
    client, adapter = make(
        Canned(401, samples.TOKEN_EXPIRED), Canned(401, samples.TOKEN_EXPIRED), refresh=lambda: "t2"
    )
    with pytest.raises(XeroNeedsReauthorisation):
        client.tax_rates()
    assert len(adapter.sent) == 2


def test_expired_token_without_a_refresher_needs_reauthorisation():
    client, adapter = make(Canned(401, samples.TOKEN_EXPIRED))
    with pytest.raises(XeroNeedsReauthorisation):
        client.tax_rates()


def test_a_failing_refresher_needs_reauthorisation_but_xero_being_down_stays_unavailable():
    def broken():
        raise RuntimeError("token store says no")

    client, _ = make(Canned(401, samples.TOKEN_EXPIRED), refresh=broken)
    with pytest.raises(XeroNeedsReauthorisation):
        client.tax_rates()

    def down():
        raise XeroUnavailable("identity is down")

    client, _ = make(Canned(401, samples.TOKEN_EXPIRED), refresh=down)
    with pytest.raises(XeroUnavailable):
        client.tax_rates()


def test_success_figures_are_recorded_and_a_failing_recorder_does_not_fail_the_call(caplog):
    recorder = MemoryLimitRecorder()
    client, _ = make(ok(samples.CURRENCIES), recorder=recorder)
    client.currencies()
    assert recorder.latest(TENANT) == RateLimitRemaining(4990, 59, 9999)
    assert recorder.last_success_at(TENANT) is not None

    class Broken:
        def record(self, tenant_id, remaining, succeeded):
            raise OSError("database down")

    client, _ = make(ok(samples.CURRENCIES), recorder=Broken())
    assert client.currencies()
    assert any(r.getMessage() == "xero limit recorder failed" for r in caplog.records)


def test_one_structured_log_line_per_call_without_tokens_or_query(caplog):
    caplog.set_level(logging.INFO, logger="widget.xero")
    client, _ = make(ok(samples.CONTACTS), Canned(404, None))
    client.contacts(email="secret.person@x.test")
    with pytest.raises(XeroNotFound):
        client.invoice(CONTACT)
    lines = [r for r in caplog.records if r.getMessage() == "xero call"]
    assert len(lines) == 2
    first, second = (r.fields for r in lines)
    assert first["xero_method"] == "GET"
    assert first["xero_path"] == "/api.xero.com/api.xro/2.0/Contacts"
    assert first["xero_status"] == 200 and first["xero_tenant"] == TENANT
    assert isinstance(first["xero_ms"], float)
    assert second["xero_status"] == 404
    logged = caplog.text + json.dumps([r.fields for r in lines])
    assert TOKEN not in logged and "secret.person" not in logged
