"""The company panel's access rules (no access / view / edit), its quick view, and what it shows
when Xero fails: an error with Retry, the last known figures with their age, and after a 429
no call until Xero's wait is over."""

from tests.company.support import (
    NZ,
    company_record,
    contacts_with_documents,
    link_directly,
    open_group_panel,
    paths,
    person,
)
from tests.contact.support import Figures


def _linked_company(server, workspace, ids, **fields):
    people = [person() for _ in ids]
    record = company_record(people, **fields)
    link_directly(server, workspace, {p["id"]: x for p, x in zip(people, ids, strict=True)})
    return record


def test_members_see_what_their_grant_allows(group_server):
    server = group_server
    workspace = server.connected_workspace(NZ)
    ids = contacts_with_documents(server)[30:33]
    record = _linked_company(server, workspace, ids, name="Granted Co")
    record["contacts"].append(person(name="Unlinked Ula"))

    nobody = open_group_panel(server, workspace, record, user_id="m-none", access=None, expect=403)
    assert "No access" in nobody.page.text and "Granted Co" not in nobody.page.text
    assert nobody.get("/company/summary").status_code == 403

    viewer = open_group_panel(server, workspace, record, user_id="m-view", access="view")
    assert viewer.get("/company/summary").status_code == 200
    assert viewer.get("/company/details").status_code == 200
    assert viewer.get("/company/suggestions").status_code == 200
    page = viewer.page.text
    assert "Unlinked Ula" in page and "Not linked" in page
    for control in (
        "/company/people/link",
        "/people/choices",
        "Add the company to Xero",
        "/company/link",
    ):
        assert control not in page, control
    assert viewer.post("/company/link", {"xero_contact_id": ids[0]}).status_code == 403
    assert viewer.post("/company/unlink").status_code == 403
    assert viewer.post("/company/new", {"name": "X"}).status_code == 403
    refused = viewer.post(
        "/company/people/link",
        {"crm_contact_id": record["contacts"][-1]["id"], "xero_contact_id": ids[0]},
    )
    assert refused.status_code == 403

    editor = open_group_panel(server, workspace, record, user_id="m-edit", access="edit")
    assert (
        "/company/people/choices" in editor.page.text
        and "Add the company to Xero" in editor.page.text
    )


def test_the_quick_view_shows_the_figures_and_nothing_else(group_server):
    server = group_server
    workspace = server.connected_workspace(NZ)
    record = _linked_company(server, workspace, contacts_with_documents(server)[33:36])
    link_directly(
        server, workspace, {("company", record["id"]): contacts_with_documents(server)[36]}
    )
    quick = open_group_panel(server, workspace, record, path="/company/quick")
    assert 'data-view="quick"' in quick.page.text and "People" not in quick.page.text
    figures = quick.get("/company/summary", view="quick")
    assert figures.status_code == 200 and "View in Xero" in figures.text
    assert "Refresh" not in figures.text and "View details" not in figures.text
    full = open_group_panel(server, workspace, record, user_id="rep-full").get("/company/summary")
    assert Figures(figures.text).figures == Figures(full.text).figures
    also = open_group_panel(server, workspace, record, user_id="rep-q2", path="/company?view=quick")
    assert 'data-view="quick"' in also.page.text and 'data-figure="open_quotes"' in also.page.text


def test_xero_down_shows_an_error_with_retry_then_the_last_known_figures(group_server):
    server = group_server
    workspace = server.connected_workspace(NZ)
    panel = open_group_panel(
        server,
        workspace,
        _linked_company(server, workspace, contacts_with_documents(server)[40:42]),
    )
    server.sandbox.faults.set(NZ, error_rate=1.0)
    try:
        failed = panel.get("/company/summary")
    finally:
        server.release(NZ)
    assert failed.status_code == 503
    assert "Error fetching details" in failed.text and 'hx-get="/company/summary"' in failed.text
    assert ">Retry<" in failed.text

    fresh = panel.get("/company/summary")
    assert fresh.status_code == 200 and 'data-stale="false"' in fresh.text
    server.cache_clock.advance(2 * 60 * 60)
    server.sandbox.faults.set(NZ, error_rate=1.0)
    try:
        stale = panel.get("/company/summary")
    finally:
        server.release(NZ)
    assert stale.status_code == 200 and 'data-stale="true"' in stale.text
    assert "last known figures, from 2 hours ago" in stale.text and ">Retry<" in stale.text
    assert Figures(stale.text).figures == Figures(fresh.text).figures


def test_a_429_is_waited_out_showing_the_last_figures(group_server):
    server, meter = group_server, group_server.meter
    workspace = server.connected_workspace(NZ)
    panel = open_group_panel(
        server,
        workspace,
        _linked_company(server, workspace, contacts_with_documents(server)[42:45]),
    )
    known = panel.get("/company/summary")
    server.cache_clock.advance(server.app.config["CONTACT_FIGURES_TTL"] + 1)
    server.sandbox.faults.set(NZ, force_429=-1, force_429_problem="minute")
    server.cache_clock.freeze()
    try:
        mark = meter.mark()
        limited = panel.get("/company/summary")
        held = [panel.get("/company/summary") for _ in range(3)]
        calls = meter.since(mark)
        server.cache_clock.advance(2)  # Xero's Retry-After (1 s) has passed
    finally:
        server.cache_clock.thaw()
        server.sandbox.faults.clear(server.org(NZ).tenant_id)
    assert [(c.path, c.status) for c in calls] == [("Invoices", 429)]  # then nothing more
    for answer in (limited, *held):
        assert answer.status_code == 200 and 'data-stale="true"' in answer.text
        assert "slow down" in answer.text and ">Retry<" in answer.text
        assert Figures(answer.text).figures == Figures(known.text).figures
    assert 'hx-trigger="load delay:1s"' in limited.text
    mark = meter.mark()
    after = panel.get("/company/summary")
    assert 'data-stale="false"' in after.text
    assert paths(meter.since(mark)) == ["Invoices", "Quotes", "Quotes"]
    server.release(NZ)


def test_a_session_of_another_panel_gets_no_company_fragments(group_server):
    server = group_server
    workspace = server.connected_workspace(NZ)
    deal = open_group_panel(
        server, workspace, {"type": "deal", "id": "d-1", "name": "D", "contacts": []}
    )
    assert deal.get("/company/summary").status_code == 404
    assert (
        deal.post(
            "/company/link", {"xero_contact_id": contacts_with_documents(server)[0]}
        ).status_code
        == 404
    )
