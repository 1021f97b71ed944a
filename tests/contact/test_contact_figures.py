"""The five figures, checked against arithmetic done straight on the sandbox's stored documents
(tests/contact/expected.py): both demo organisations, foreign-currency documents, contacts with
nothing at all, and "overdue" turning over at midnight in the organisation's time zone."""

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from babel.numbers import format_currency

from tests.contact import expected
from tests.contact.support import NZ, UK, Figures, link_panel, ms_day, stored


def _contacts_to_check(server, org_name: str) -> dict[str, str]:
    """Contacts that exercise each rule, chosen from the seeded data by what they have."""
    invoices = stored(server, org_name, "invoice")
    quotes = stored(server, org_name, "quote")
    contacts = stored(server, org_name, "contact")
    base = server.org(org_name).base_currency
    owed = [i for i in invoices if i["Status"] == "AUTHORISED" and Decimal(i["AmountDue"]) > 0]

    def most(documents) -> str:
        counts: dict[str, int] = {}
        for document in documents:
            key = document["Contact"]["ContactID"]
            counts[key] = counts.get(key, 0) + 1
        return max(sorted(counts), key=counts.get)

    chosen = {
        "customer": most(i for i in owed if i["Type"] == "ACCREC"),
        "supplier": most(i for i in owed if i["Type"] == "ACCPAY"),
        "quoted": most(q for q in quotes if q["Status"] in ("DRAFT", "SENT")),
    }
    expired = [
        q
        for q in quotes
        if q["Status"] == "SENT" and ms_day(q["ExpiryDate"]) < expected.org_today(server, org_name)
    ]
    if expired:
        chosen["expired quote"] = expired[0]["Contact"]["ContactID"]
    foreign = [d for d in (*owed, *quotes) if d["CurrencyCode"] != base]
    if foreign:
        chosen["foreign"] = most(foreign)
    busy = {d["Contact"]["ContactID"] for d in (*invoices, *quotes)}
    chosen["nothing"] = sorted(c["ContactID"] for c in contacts if c["ContactID"] not in busy)[0]
    return chosen


@pytest.mark.parametrize("org_name", [NZ, UK])
def test_figures_match_the_stored_documents(contact_server, org_name):
    workspace = contact_server.connected_workspace(org_name)
    today = expected.org_today(contact_server, org_name)
    chosen = _contacts_to_check(contact_server, org_name)
    if org_name == NZ:
        assert "foreign" in chosen and "expired quote" in chosen  # the seed covers both
    for why, contact_id in chosen.items():
        panel = link_panel(contact_server, workspace, contact_id)
        answer = panel.get("/contact/summary")
        assert answer.status_code == 200, (why, answer.text[:500])
        shown = Figures(answer.text).figures
        assert shown == expected.figures(contact_server, org_name, contact_id, today), why
    assert any(f["count"] for f in shown.values()) is False  # the last one had nothing at all


def test_foreign_documents_are_converted_and_listed_in_their_own_currency(contact_server):
    workspace = contact_server.connected_workspace(NZ)
    owed = [
        i
        for i in stored(contact_server, NZ, "invoice")
        if i["Status"] == "AUTHORISED" and i["CurrencyCode"] != "NZD" and Decimal(i["AmountDue"])
    ]
    invoice = owed[0]
    contact_id = invoice["Contact"]["ContactID"]
    panel = link_panel(contact_server, workspace, contact_id)

    summary = panel.get("/contact/summary").text
    details = panel.get("/contact/details").text

    today = expected.org_today(contact_server, NZ)
    want = expected.figures(contact_server, NZ, contact_id, today)["outstanding_invoices"]
    assert Figures(summary).figures["outstanding_invoices"] == want
    assert format_currency(want["total"], "NZD", locale="en") in summary  # base: its symbol
    row = details.split(f'data-currency="{invoice["CurrencyCode"]}"')[1].split("</tr>")[0]
    assert invoice["CurrencyCode"] in row  # each document in its own currency, by ISO code
    # its amounts in its own currency; the base amount only in the conversion line beside them
    before, after = details.split(invoice["InvoiceID"], 1)  # its row links to it in Xero
    row = before.rsplit("<tr", 1)[1] + after.split("</tr>")[0]
    amounts, converted = row.split('class="muted small doc-converted"', 1)
    assert "NZ$" not in amounts
    rate = Decimal(str(invoice["CurrencyRate"]))
    base = (Decimal(str(invoice["AmountDue"])) / rate).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert format_currency(base, "NZD", locale="en") in converted
    assert f"1 NZD = {rate.normalize()} {invoice['CurrencyCode']}" in converted


def test_overdue_turns_at_midnight_in_the_organisations_time_zone(contact_server):
    """Just before midnight in Auckland an invoice due that day is not overdue; just after, it
    is, although in UTC it is still the same day (a UTC-based "today" would get this wrong)."""
    workspace = contact_server.connected_workspace(NZ)
    sandbox = contact_server.sandbox
    now = datetime.now(UTC)
    owed = [
        i
        for i in stored(contact_server, NZ, "invoice")
        if i["Status"] == "AUTHORISED" and i["Type"] == "ACCREC" and Decimal(i["AmountDue"]) > 0
    ]
    invoice = min(owed, key=lambda i: abs(expected.boundary(ms_day(i["DueDate"]), NZ) - now))
    due, contact_id = ms_day(invoice["DueDate"]), invoice["Contact"]["ContactID"]
    turn = expected.boundary(due, NZ)
    assert turn.date() == due  # midnight in Auckland is still the due day in UTC
    panel = link_panel(contact_server, workspace, contact_id)
    try:
        seen = {}
        for label, moment in (
            ("before", turn - timedelta(minutes=1)),
            ("after", turn + timedelta(minutes=1)),
        ):
            sandbox.clock.offset = moment.replace(tzinfo=None) - datetime.now(UTC).replace(
                tzinfo=None
            )
            today = expected.org_today(contact_server, NZ)
            assert today == (due if label == "before" else due + timedelta(days=1))
            answer = panel.get("/contact/summary")
            seen[label] = Figures(answer.text).figures
            assert seen[label] == expected.figures(contact_server, NZ, contact_id, today), label
        before, after = seen["before"]["overdue_invoices"], seen["after"]["overdue_invoices"]
        assert after["count"] == before["count"] + 1
    finally:
        sandbox.clock.reset()


@pytest.mark.parametrize(
    ("launch_locale", "accept_language", "babel_locale"),
    [("de-DE", None, "de_DE"), (None, "fr-FR,fr;q=0.9", "fr_FR"), ("en-NZ", "de-DE", "en_NZ")],
)
def test_money_is_formatted_for_the_users_locale(
    contact_server, launch_locale, accept_language, babel_locale
):
    """The launch token's locale first, else the browser's Accept-Language."""
    workspace = contact_server.connected_workspace(NZ)
    owed = [
        i
        for i in stored(contact_server, NZ, "invoice")
        if i["Status"] == "AUTHORISED" and i["Type"] == "ACCREC" and Decimal(i["AmountDue"]) > 100
    ]
    contact_id = owed[0]["Contact"]["ContactID"]
    panel = link_panel(contact_server, workspace, contact_id, locale=launch_locale)
    headers = {"Accept-Language": accept_language} if accept_language else {}
    answer = panel.browser.get(f"{contact_server.url}/contact/summary", headers=headers, timeout=30)
    total = Figures(answer.text).figures["outstanding_invoices"]["total"]
    assert format_currency(total, "NZD", locale=babel_locale) in answer.text
