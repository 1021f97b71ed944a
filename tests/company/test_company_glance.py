"""The company panel's additions from issue 11: how the company pays over its own Xero contact
and its people's (each invoice once, 0 Xero calls, against arithmetic here), Unlink with Undo
for the company's own link, and view-only members told why there is no Link button."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from tests.company.support import NZ, company_record, link_directly, open_group_panel, person
from tests.contact import expected
from tests.contact.mirror_fill import add_rows, fill_mirror
from tests.contact.support import stored
from tests.contact.test_contact_glance import Glance, _worked_out
from tests.panels.rows import contact_row, invoice_row

PERSON_UNDO = re.compile(
    r'hx-post="(/company/people/unlink/undo\?crm_contact_id=[^"]+)"[^>]*>\s*'
    r'<input type="hidden" name="undo" value="(\d+)">'
)
UNDO = re.compile(r'hx-post="(/company/unlink/undo)"[^>]*>\s*<input type="hidden" '
                  r'name="undo" value="(\d+)">')  # fmt: skip


def test_company_pays_over_all_its_contacts_from_the_mirror(group_server):
    server = group_server
    workspace = server.connected_workspace(NZ)
    tenant = fill_mirror(server, workspace.id, NZ)
    today = expected.org_today(server, NZ)
    own = contact_row(workspace.id, tenant, "Glance Holdings", "accounts@glance.test")
    member = contact_row(workspace.id, tenant, "Gil Glance", "gil@glance.test")
    outsider = contact_row(workspace.id, tenant, "Not Ours", "not@ours.test")

    def overdue(who, days, due, **kw):
        return invoice_row(workspace.id, tenant, who.contact_id, due=due,
                           due_date=today - timedelta(days=days), **kw)  # fmt: skip

    def paid(who, late):
        row = invoice_row(workspace.id, tenant, who.contact_id, status="PAID", due="0",
                          due_date=today - timedelta(days=60))  # fmt: skip
        row.fully_paid_on_date = today - timedelta(days=60 - late)
        return row

    ours = [
        overdue(own, 10, "100.00"),
        overdue(member, 45, "50.00", currency="USD", rate="0.5"),
        overdue(member, 120, "7.77"),
        paid(own, 12),
        paid(member, 2),
    ]
    theirs = [overdue(outsider, 10, "5000.00"), paid(outsider, 50)]
    add_rows(server, own, member, outsider, *ours, *theirs)
    people = [person(name="Gil Glance")]
    record = company_record(people, name="Glance Holdings")
    link_directly(
        server, workspace, {("company", record["id"]): own.contact_id,
                            people[0]["id"]: member.contact_id}
    )  # fmt: skip
    mark = server.meter.mark()
    panel = open_group_panel(server, workspace, record)
    answer = panel.get("/company/summary")
    assert answer.status_code == 200
    shown = Glance(answer.text)
    bands, late = _worked_out(ours, today)
    assert shown.present and shown.bands == bands
    assert bands["31_60"] == (1, Decimal("100.00"))  # 50 USD at 0.5
    assert sorted(late) == [2, 12]
    assert shown.record == {"data-paid-count": "2", "data-average-days": "7.0",
                            "data-worst-days": "12"}  # fmt: skip
    assert server.meter.since(mark) == []


def test_company_unlink_offers_undo_that_restores_the_link(group_server):
    server = group_server
    workspace = server.connected_workspace(NZ)
    xero = next(c for c in stored(server, NZ, "contact") if c.get("EmailAddress"))
    record = company_record([], name="Undo Company")
    link_directly(server, workspace, {("company", record["id"]): xero["ContactID"]})
    panel = open_group_panel(server, workspace, record)
    unlinked = panel.post("/company/unlink")
    assert unlinked.status_code == 200 and "Not linked to a Xero contact yet" in unlinked.text
    assert '<hx-partial hx-target="#company-notice"' in unlinked.text
    assert f"Unlinked from Xero {xero['ContactID'][:8]}." in unlinked.text
    action, entry_id = UNDO.search(unlinked.text).groups()
    restored = panel.post(action, {"undo": entry_id})
    assert restored.status_code == 200 and 'data-state="linked"' in restored.text
    assert f'data-xero-contact-id="{xero["ContactID"]}"' in restored.text
    # the company's entry cannot restore a contact record's link of the same id, nor twice
    contact_panel_like = open_group_panel(server, workspace, company_record([], name="Other"))
    assert contact_panel_like.post(action, {"undo": entry_id}).status_code == 404


def test_view_only_members_are_told_whom_to_ask(group_server):
    server = group_server
    workspace = server.connected_workspace(NZ)
    record = company_record([person(name="Vi Ewer")], name="Viewed Company")
    viewer = open_group_panel(server, workspace, record, access="view")
    assert "Linking needs edit access. Ask Ada Admin" in " ".join(viewer.page.text.split())
    assert "button-unlink" not in viewer.page.text
    assert viewer.post("/company/unlink/undo", {"undo": "1"}).status_code == 403


def test_a_persons_unlink_offers_undo_too(group_server):
    server = group_server
    workspace = server.connected_workspace(NZ)
    first, second = [c for c in stored(server, NZ, "contact") if c.get("EmailAddress")][:2]
    pat, lee = person(name="Pat Person"), person(name="Lee Person")
    record = company_record([pat, lee], name="People Company")
    link_directly(
        server, workspace, {pat["id"]: first["ContactID"], lee["id"]: second["ContactID"]}
    )
    panel = open_group_panel(server, workspace, record)
    unlinked = panel.post("/company/people/unlink", {"crm_contact_id": pat["id"]})
    assert (
        unlinked.status_code == 200 and '<hx-partial hx-target="#company-notice"' in unlinked.text
    )
    found = re.search(PERSON_UNDO, unlinked.text)
    action, entry_id = found.groups()
    assert pat["id"] in action
    wrong = f"/company/people/unlink/undo?crm_contact_id={lee['id']}"
    assert panel.post(wrong, {"undo": entry_id}).status_code == 404  # Lee's link was not removed
    restored = panel.post(action, {"undo": entry_id})
    assert restored.status_code == 200 and "Linked to Xero " in restored.text
    row = re.search(rf'data-crm-contact-id="{pat["id"]}" data-linked="(\w+)"', restored.text)
    assert row.group(1) == "true"
