"""At a glance: how this customer pays, in the contact panel once the mirror is ready: overdue
by age and the last year's payment record, in the base currency, with 0 Xero calls, checked
against arithmetic done here on the rows the test wrote; hidden without history and on the
per-contact fallback (no mirror); foreign-currency figures marked and explained in View details."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser

import pytest

from tests.contact import expected
from tests.contact.mirror_fill import add_rows, fill_mirror
from tests.contact.support import NZ, link_panel, open_panel, person_record
from tests.panels.rows import contact_row, invoice_row, quote_row

CENT = Decimal("0.01")


class Glance(HTMLParser):
    """What the panel shows under "How they pay": the bands and the payment record."""

    def __init__(self, text: str):
        super().__init__()
        self.present = False
        self.bands: dict[str, tuple[int, Decimal]] = {}
        self.record: dict[str, str] = {}
        self.bar_label = ""
        self.rects = 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-paying" in attrs:
            self.present = True
        if "data-age" in attrs:
            self.bands[attrs["data-age"]] = (int(attrs["data-count"]), Decimal(attrs["data-total"]))
        if "data-paid-count" in attrs:
            self.record = {k: v for k, v in attrs.items() if k.startswith("data-")}
        if tag == "svg" and "age-bar" in (attrs.get("class") or ""):
            self.bar_label = attrs.get("aria-label") or ""
        if tag == "rect":
            self.rects += 1


@pytest.fixture
def mirrored(contact_server):
    workspace = contact_server.connected_workspace(NZ)
    tenant_id = fill_mirror(contact_server, workspace.id, NZ)
    return workspace, tenant_id


def _worked_out(rows, today):
    """Bands and record by hand: days past due into 30-day steps, lateness day by day."""
    bands = {k: [0, Decimal(0)] for k in ("1_30", "31_60", "61_90", "over_90")}
    late = []
    for row in rows:
        if row.status == "AUTHORISED" and row.type == "ACCREC" and row.amount_due > 0:
            days = (today - row.due_date).days
            if days > 0:
                key = "1_30" if days <= 30 else "31_60" if days <= 60 else "61_90"
                key = "over_90" if days > 90 else key
                bands[key][0] += 1
                bands[key][1] += row.amount_due / row.currency_rate
        paid = row.fully_paid_on_date
        if row.status == "PAID" and paid and today - timedelta(days=365) < paid <= today:
            late.append(max(0, (paid - row.due_date).days))
    shown = {k: (c, t.quantize(CENT, ROUND_HALF_UP)) for k, (c, t) in bands.items()}
    return shown, late


def test_how_they_pay_from_the_mirror_with_no_xero_call(contact_server, mirrored):
    workspace, tenant = mirrored
    today = expected.org_today(contact_server, NZ)
    who = contact_row(workspace.id, tenant, "Glance Customer", "glance@customer.test")
    cid = who.contact_id

    def overdue(days, due, **kw):
        return invoice_row(workspace.id, tenant, cid, due=due, total="999.00",
                           due_date=today - timedelta(days=days), **kw)  # fmt: skip

    def paid(due_days_ago, paid_days_ago):
        row = invoice_row(workspace.id, tenant, cid, status="PAID", due="0",
                          due_date=today - timedelta(days=due_days_ago))  # fmt: skip
        row.fully_paid_on_date = today - timedelta(days=paid_days_ago)
        return row

    rows = [
        overdue(1, "10.00"),
        overdue(30, "20.00"),
        overdue(31, "60.00", currency="USD", rate="0.6"),  # 100.00 NZD
        overdue(75, "33.33"),
        overdue(400, "5.55"),
        overdue(0, "70.00"),  # due today: not overdue
        overdue(20, "40.00", type="ACCPAY"),  # a bill: not how they pay us
        paid(50, 45),  # 5 days late
        paid(30, 35),  # early: on time
        paid(100, 60),  # 40 days late
        paid(500, 400),  # paid more than a year ago: left out
    ]
    add_rows(contact_server, who, *rows)
    panel = link_panel(contact_server, workspace, cid)
    mark = contact_server.meter.mark()
    answer = panel.get("/contact/summary")
    assert answer.status_code == 200
    glance = Glance(answer.text)
    bands, late = _worked_out(rows, today)
    assert glance.present and glance.bands == bands
    assert bands["31_60"] == (1, Decimal("100.00")) and bands["over_90"][0] == 1
    assert glance.rects == 4  # one segment per band with something in it
    assert "1–30 days: NZ$30.00 (2 invoices); 31–60 days: NZ$100.00 (1 invoice)" in glance.bar_label
    assert glance.bar_label.startswith("Overdue by age, in NZD")
    average = (Decimal(sum(late)) / len(late)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    assert glance.record == {
        "data-paid-count": str(len(late)),
        "data-average-days": str(average),
        "data-worst-days": str(max(late)),
    }
    assert late == [5, 0, 40]
    assert "3 invoices paid, on average" in answer.text and "15 days" in answer.text
    details = panel.get("/contact/details")
    assert details.status_code == 200
    assert contact_server.meter.since(mark) == []


def test_only_paid_history_or_nothing(contact_server, mirrored):
    workspace, tenant = mirrored
    today = expected.org_today(contact_server, NZ)
    punctual = contact_row(workspace.id, tenant, "Punctual Payer", "punctual@payer.test")
    on_time = invoice_row(workspace.id, tenant, punctual.contact_id, status="PAID", due="0",
                          due_date=today - timedelta(days=3))  # fmt: skip
    on_time.fully_paid_on_date = today - timedelta(days=4)
    fresh = contact_row(workspace.id, tenant, "Fresh Customer", "fresh@customer.test")
    not_yet = invoice_row(workspace.id, tenant, fresh.contact_id,
                          due_date=today + timedelta(days=10))  # fmt: skip
    add_rows(contact_server, punctual, on_time, fresh, not_yet)

    shown = Glance(link_panel(contact_server, workspace, punctual.contact_id)
                   .get("/contact/summary").text)  # fmt: skip
    assert shown.present and shown.bands == {} and shown.rects == 0
    assert shown.record == {"data-paid-count": "1", "data-average-days": "0.0",
                            "data-worst-days": "0"}  # fmt: skip
    answer = link_panel(contact_server, workspace, fresh.contact_id).get("/contact/summary")
    assert answer.status_code == 200 and 'data-figure="outstanding_invoices"' in answer.text
    assert not Glance(answer.text).present  # no history: nothing shown


def test_hidden_on_the_fallback_path(contact_server):
    """Before the mirror is ready the panel fetches per contact: there is no history to show."""
    from tests.contact.test_contact_figures import _contacts_to_check

    workspace = contact_server.connected_workspace(NZ)
    contact_id = _contacts_to_check(contact_server, NZ)["customer"]
    answer = link_panel(contact_server, workspace, contact_id).get("/contact/summary")
    assert answer.status_code == 200 and 'data-figure="open_quotes"' in answer.text
    assert "data-paying" not in answer.text


def test_converted_figures_are_marked_and_explained(contact_server, mirrored):
    workspace, tenant = mirrored
    who = contact_row(workspace.id, tenant, "Abroad Buyer", "abroad@buyer.test")
    usd = quote_row(workspace.id, tenant, who.contact_id, total="60.00", number="QU-USD")
    usd.currency_code, usd.currency_rate = "USD", Decimal("0.6")
    nzd = quote_row(workspace.id, tenant, who.contact_id, total="10.00", number="QU-NZD")
    add_rows(contact_server, who, usd, nzd)
    panel = link_panel(contact_server, workspace, who.contact_id)
    summary = panel.get("/contact/summary").text
    quotes = re.search(r'<div class="figure figure-open-quotes[^>]*>.*?</div>', summary, re.S)
    assert quotes and 'data-converted="1"' in quotes.group(0)
    assert "$110.00" in quotes.group(0)  # 100.00 converted + 10.00
    assert "Includes amounts converted from USD" in summary
    outstanding = re.search(r'data-figure="outstanding_invoices"[^>]*>', summary).group(0)
    assert "data-converted" not in outstanding
    details = panel.get("/contact/details").text
    row = re.search(r'<tr class="document[^"]*" data-number="QU-USD".*?</tr>', details, re.S)
    assert row, details[:2000]
    assert "USD\xa060.00" in row.group(0) and "$100.00" in row.group(0)
    assert "1 NZD = 0.6 USD" in row.group(0)
    plain = re.search(r'<tr class="document[^"]*" data-number="QU-NZD".*?</tr>', details, re.S)
    assert "data-rate" not in plain.group(0)


def test_view_only_members_are_told_why_there_is_no_link_button(contact_server, mirrored):
    workspace, _tenant = mirrored
    viewer = open_panel(contact_server, workspace, person_record(name="Ada"), access="view")
    page = viewer.page.text
    note = re.search(r"<p class=\"edit-access small\" data-edit-access>(.*?)</p>", page, re.S)
    assert note, page[:3000]
    said = " ".join(note.group(1).split())
    assert said.startswith("Linking needs edit access. Ask Ada Admin")
    assert 'href="mailto:ada@example.com"' in said
    assert "button-link" not in viewer.get("/contact/suggestions").text
    editor = open_panel(contact_server, workspace, person_record(name="Ada"), user_id="rep-9")
    assert "data-edit-access" not in editor.page.text


def test_the_paid_history_query_keeps_to_its_scope(db_app):
    """read.paid_invoices on each database: PAID sales invoices of these contacts, paid after
    the date, of this workspace and organisation only."""
    from datetime import date

    from widget.auth.workspaces import create_workspace
    from widget.db import get_session
    from widget.mirror import read

    with db_app.app_context():
        session = get_session()
        for ws in ("ws-pay-a", "ws-pay-b"):
            create_workspace(session, ws, ["https://crm.example.com"], ws)
        session.flush()
        who, other = contact_row("ws-pay-a", "t1", "Payer"), contact_row("ws-pay-a", "t1", "Other")

        def paid(ws, tenant, contact, on, **kw):
            row = invoice_row(ws, tenant, contact, status=kw.pop("status", "PAID"), due="0", **kw)
            row.fully_paid_on_date = on
            return row

        wanted = paid("ws-pay-a", "t1", who.contact_id, date(2026, 6, 1))
        session.add_all([
            who, other, wanted,
            paid("ws-pay-a", "t1", who.contact_id, date(2025, 1, 1)),  # too long ago
            paid("ws-pay-a", "t1", who.contact_id, date(2026, 6, 1), type="ACCPAY"),  # a bill
            paid("ws-pay-a", "t1", who.contact_id, date(2026, 6, 1), status="AUTHORISED"),
            paid("ws-pay-a", "t1", other.contact_id, date(2026, 6, 1)),  # another contact
            paid("ws-pay-a", "t2", who.contact_id, date(2026, 6, 1)),  # another organisation
            paid("ws-pay-b", "t1", who.contact_id, date(2026, 6, 1)),  # another workspace
        ])  # fmt: skip
        session.commit()
        found = read.paid_invoices(
            session, read.MirrorScope("ws-pay-a", "t1"), [who.contact_id.upper()], date(2025, 6, 1)
        )
        assert [i.invoice_id for i in found] == [wanted.invoice_id]
        assert found[0].fully_paid_on_date == date(2026, 6, 1)
