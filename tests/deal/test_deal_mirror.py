"""The deal panel once the organisation mirror is ready: Choose documents a page at a time
(newest first, open ones or all, a text filter), picks from any page checked against the linked
contacts, and the figures over the picks against the sandbox's stored documents; 0 Xero calls."""

from datetime import date, timedelta

from tests.company.expected import figures_for, org_today
from tests.company.support import NZ, open_group_panel, stored
from tests.contact.mirror_fill import add_rows, fill_mirror
from tests.contact.support import Figures
from tests.deal.support import contacts_with_open_invoices, deal_with_two_linked, rows
from tests.panels.rows import invoice_row


def test_choose_documents_pages_and_picks_from_the_mirror(group_server):
    server, meter = group_server, group_server.meter
    workspace = server.connected_workspace(NZ)
    tenant = fill_mirror(server, workspace.id, NZ)
    x1, x2 = contacts_with_open_invoices(server)[4:6]
    old = [
        invoice_row(workspace.id, tenant, x2, number=f"OLD-{n:03d}", status="PAID", due="0",
                    day=date(2015, 1, 1) + timedelta(days=n))
        for n in range(60)
    ]  # fmt: skip
    add_rows(server, *old)
    record, _primary, _other = deal_with_two_linked(server, workspace, x1, x2)
    mark = meter.mark()
    panel = open_group_panel(server, workspace, record)

    first = panel.get("/deal/choices")  # open ones by default, newest first
    assert first.status_code == 200
    listed = rows(first.text)
    assert 0 < len(listed) <= 25 and not any(r["number"].startswith("OLD-") for r in listed)
    every = panel.get("/deal/choices", status="all")
    assert len(rows(every.text)) == 25 and 'data-next-page="2"' in every.text
    pages = [rows(every.text)]
    page = 2
    while True:
        answer = panel.get("/deal/choices", status="all", page=str(page))
        pages.append(rows(answer.text))
        if f'data-next-page="{page + 1}"' not in answer.text:
            break
        page += 1
    seen = [(r["type"], r["id"]) for chunk in pages for r in chunk]
    expected = {
        ("invoice", i["InvoiceID"]) for i in stored(server, NZ, "invoice")
        if i["Contact"]["ContactID"] in (x1, x2) and i["Type"] == "ACCREC"
        and i["Status"] not in ("VOIDED", "DELETED")
    } | {
        ("quote", q["QuoteID"]) for q in stored(server, NZ, "quote")
        if q["Contact"]["ContactID"] in (x1, x2) and q["Status"] != "DELETED"
    } | {("invoice", row.invoice_id) for row in old}  # fmt: skip
    assert len(seen) == len(set(seen)) and set(seen) == expected
    found = rows(panel.get("/deal/choices", status="all", q="old-007").text)
    assert [r["number"] for r in found] == ["OLD-007"]

    # a pick from the last page, and an open one from the first
    oldest = next(r for r in pages[-1] if r["number"] == "OLD-000")
    opened = next(r for r in listed if r["type"] == "invoice")
    for row in (oldest, opened):
        answer = panel.post(
            "/deal/documents/add", {"document_type": row["type"], "document_id": row["id"]}
        )  # noqa: E501
        assert answer.status_code == 200, answer.text[:300]
    foreign = next(
        i["InvoiceID"] for i in stored(server, NZ, "invoice")
        if i["Contact"]["ContactID"] not in (x1, x2) and i["Type"] == "ACCREC"
    )  # fmt: skip
    refused = panel.post(
        "/deal/documents/add", {"document_type": "invoice", "document_id": foreign}
    )
    assert refused.status_code == 404

    summary = panel.get("/deal/summary")
    picked = {(r["type"], r["id"]) for r in rows(summary.text)}
    assert picked >= {("invoice", oldest["id"]), ("invoice", opened["id"])}
    expected_figures = figures_for(server, NZ, {x1, x2}, org_today(server, NZ),
                                   invoice_ids=[opened["id"]], quote_ids=[])  # fmt: skip
    shown = Figures(summary.text).figures
    assert shown == {name: expected_figures[name] for name in shown}
    assert meter.since(mark) == []
