"""What the contact panel costs Xero, counted where Xero (the sandbox) answers: at most 2 calls
for a cold panel, none for a warm one; shared in-flight fetches; Refresh; and what happens when
Xero fails or says 429 (last known figures with their age, Retry, and no calls until told)."""

import threading
from decimal import Decimal
from urllib.parse import parse_qs

import requests

from tests.contact.support import NZ, UK, Figures, link_panel, open_panel, person_record, stored
from widget.contact.service import ContactXero, remember_organisation
from widget.xero.parsing import organisation


def _owing_contacts(server, count: int = 6) -> list[str]:
    owed = [
        i["Contact"]["ContactID"]
        for i in stored(server, NZ, "invoice")
        if i["Status"] == "AUTHORISED" and Decimal(i["AmountDue"]) > 0
    ]
    return sorted(set(owed))[:count]


def _paths(calls) -> list[str]:
    return [call.path for call in calls]


def test_cold_panel_costs_two_calls_warm_none_and_refresh_two(contact_server):
    meter = contact_server.meter
    workspace = contact_server.connected_workspace(NZ)
    first, second = _owing_contacts(contact_server)[:2]

    panel = link_panel(contact_server, workspace, first)  # linking checks the contact: 1 call
    mark = meter.mark()
    assert panel.get("/contact/summary").status_code == 200
    # connecting read the organisation already (and handed it to the panels): 2 calls even for
    # the organisation's very first panel
    assert sorted(_paths(meter.since(mark))) == ["Invoices", "Quotes"]

    other = link_panel(contact_server, workspace, second)
    mark = meter.mark()
    cold = other.get("/contact/summary")
    calls = meter.since(mark)
    assert cold.status_code == 200 and sorted(_paths(calls)) == ["Invoices", "Quotes"]
    invoices = parse_qs(next(c.query for c in calls if c.path == "Invoices"))
    assert invoices["ContactIDs"] == [second] and invoices["Statuses"] == ["AUTHORISED,DRAFT"]
    assert invoices["summaryOnly"] == ["true"]  # no line items or payments: fewer bytes
    quotes = parse_qs(next(c.query for c in calls if c.path == "Quotes"))
    assert quotes["ContactID"] == [second]

    mark = meter.mark()
    again = open_panel(contact_server, workspace, person_record(name="Again"), user_id="rep-2")
    relaunched = link_panel(contact_server, workspace, second, user_id="rep-3")
    page = relaunched.get("/contact")  # the panel page itself, figures inline
    warm = relaunched.get("/contact/summary")
    details = relaunched.get("/contact/details")
    assert again.page.status_code == 200
    assert _paths(meter.since(mark)) == ["Contacts/" + second]  # only the link's check
    assert 'data-figure="outstanding_invoices"' in page.text  # warm: rendered straight away
    assert Figures(warm.text).figures == Figures(cold.text).figures
    assert details.status_code == 200 and '<tr class="document' in details.text

    mark = meter.mark()
    refreshed = relaunched.get("/contact/summary", refresh="1")
    assert refreshed.status_code == 200
    assert sorted(_paths(meter.since(mark))) == ["Invoices", "Quotes"]


def test_figures_expire_after_their_time_to_live(contact_server):
    meter = contact_server.meter
    workspace = contact_server.connected_workspace(NZ)
    panel = link_panel(contact_server, workspace, _owing_contacts(contact_server)[2])
    panel.get("/contact/summary")
    ttl = contact_server.app.config["CONTACT_FIGURES_TTL"]

    contact_server.cache_clock.advance(ttl - 5)
    mark = meter.mark()
    panel.get("/contact/summary")
    assert meter.since(mark) == []
    contact_server.cache_clock.advance(10)
    panel.get("/contact/summary")
    assert sorted(_paths(meter.since(mark))) == ["Invoices", "Quotes"]  # organisation: still


def test_identical_fetches_in_flight_are_shared(contact_server):
    meter = contact_server.meter
    workspace = contact_server.connected_workspace(NZ)
    contact_id = _owing_contacts(contact_server)[3]
    panels = [
        link_panel(contact_server, workspace, contact_id, user_id=f"rep-{n}") for n in range(5)
    ]
    panels[0].get("/contact/summary", refresh="1")  # the organisation is cached from here on
    contact_server.cache_clock.advance(contact_server.app.config["CONTACT_FIGURES_TTL"] + 1)
    contact_server.sandbox.faults.set(NZ, latency_ms=300)
    answers, start = [], threading.Barrier(len(panels))

    def view(panel):
        start.wait()
        answers.append(panel.get("/contact/summary"))

    try:
        mark = meter.mark()
        threads = [threading.Thread(target=view, args=(p,)) for p in panels]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        contact_server.release(NZ)
    assert [a.status_code for a in answers] == [200] * len(panels)
    assert sorted(_paths(meter.since(mark))) == ["Invoices", "Quotes"]  # five viewers, one fetch
    assert len({str(Figures(a.text).figures) for a in answers}) == 1


def test_xero_down_without_earlier_figures_says_so_and_retry_brings_them(contact_server):
    workspace = contact_server.connected_workspace(NZ)
    panel = link_panel(contact_server, workspace, _owing_contacts(contact_server)[4])
    panel.get("/contact/summary")  # organisation known; now a contact never fetched:
    other = link_panel(contact_server, workspace, _owing_contacts(contact_server)[5])
    contact_server.sandbox.faults.set(NZ, error_rate=1.0)
    try:
        failed = other.get("/contact/summary")
    finally:
        contact_server.release(NZ)
    assert failed.status_code == 503
    assert "Error fetching details" in failed.text and 'role="alert"' in failed.text
    assert 'hx-get="/contact/summary"' in failed.text and ">Retry<" in failed.text
    assert ">Unlink<" in failed.text  # the menu stays usable while Xero is down
    retried = other.get("/contact/summary")
    assert retried.status_code == 200 and 'data-stale="false"' in retried.text
    assert "Error fetching details" not in retried.text


def test_xero_down_shows_the_last_known_figures_with_their_age(contact_server):
    workspace = contact_server.connected_workspace(NZ)
    panel = link_panel(contact_server, workspace, _owing_contacts(contact_server)[0], user_id="r9")
    fresh = panel.get("/contact/summary", refresh="1")
    contact_server.cache_clock.advance(2 * 60 * 60)  # two hours later, Xero fails
    contact_server.sandbox.faults.set(NZ, error_rate=1.0)
    try:
        stale = panel.get("/contact/summary")
        page = panel.get("/contact")  # the full page: not warm, so it asks for the fragment
    finally:
        contact_server.release(NZ)
    assert stale.status_code == 200 and 'data-stale="true"' in stale.text
    assert "Error fetching details" in stale.text and ">Retry<" in stale.text
    assert "last known figures, from 2 hours ago" in stale.text
    assert Figures(stale.text).figures == Figures(fresh.text).figures
    assert 'hx-trigger="load"' in page.text


def test_a_429_is_waited_out_before_xero_is_asked_again(contact_server):
    """After a 429 no call goes to that organisation (from any workspace) until Retry-After has
    passed; meanwhile panels show the last figures they have, and try again by themselves."""
    meter = contact_server.meter
    contact_id, other_id = _owing_contacts(contact_server)[1:3]
    panel = link_panel(contact_server, contact_server.connected_workspace(NZ), contact_id)
    known = panel.get("/contact/summary", refresh="1")
    elsewhere = link_panel(contact_server, contact_server.connected_workspace(NZ), other_id)
    contact_server.cache_clock.advance(contact_server.app.config["CONTACT_FIGURES_TTL"] + 1)
    contact_server.sandbox.faults.set(NZ, force_429=-1, force_429_problem="minute")
    contact_server.cache_clock.freeze()
    try:
        mark = meter.mark()
        limited = panel.get("/contact/summary")
        held = [panel.get("/contact/summary") for _ in range(3)]
        nothing_known = elsewhere.get("/contact/summary")
        calls = meter.since(mark)
        contact_server.cache_clock.advance(2)  # Xero's Retry-After (1 s) has passed
    finally:
        contact_server.cache_clock.thaw()
        contact_server.sandbox.faults.clear(contact_server.org(NZ).tenant_id)
    assert [(c.path, c.status) for c in calls] == [("Invoices", 429)]  # then nothing more
    for answer in (limited, *held):
        assert answer.status_code == 200 and 'data-stale="true"' in answer.text
        assert "slow down" in answer.text and ">Retry<" in answer.text
        assert Figures(answer.text).figures == Figures(known.text).figures
    assert 'hx-trigger="load delay:1s"' in limited.text  # tries again by itself, when told
    assert nothing_known.status_code == 503 and nothing_known.headers["Retry-After"] == "1"
    assert "Error fetching details" in nothing_known.text

    mark = meter.mark()
    after = panel.get("/contact/summary")
    assert after.status_code == 200 and 'data-stale="false"' in after.text
    assert sorted(_paths(meter.since(mark))) == ["Invoices", "Quotes"]
    contact_server.release(NZ)


def test_a_write_to_a_contacts_documents_makes_its_figures_fetch_again(contact_server):
    """What the drafts work calls after creating a document: the next view fetches (2 calls),
    and until then the figures remain as last known."""
    meter = contact_server.meter
    workspace = contact_server.connected_workspace(NZ)
    contact_id = _owing_contacts(contact_server)[5]
    panel = link_panel(contact_server, workspace, contact_id, user_id="writer")
    panel.get("/contact/summary", refresh="1")
    with contact_server.app.app_context():
        tenant_id = contact_server.org(NZ).tenant_id
        ContactXero(workspace.id, tenant_id, make_client=lambda: None).forget_documents(contact_id)
    mark = meter.mark()
    assert panel.get("/contact/summary").status_code == 200
    assert sorted(_paths(meter.since(mark))) == ["Invoices", "Quotes"]


def test_xero_refusing_the_organisation_asks_for_reconnection(contact_server):
    """A 403 (the organisation was disconnected in Xero) is not retried: the rep is told to ask
    an admin, and the connection is marked for the admin page's Reconnect."""
    workspace = contact_server.connected_workspace(UK)
    owed = [
        i["Contact"]["ContactID"]
        for i in stored(contact_server, UK, "invoice")
        if i["Status"] == "AUTHORISED" and Decimal(i["AmountDue"]) > 0
    ]
    panel = link_panel(contact_server, workspace, owed[0], user_id="revoked-rep")
    contact_server.sandbox.faults.set(UK, revoked=True)
    try:
        refused = panel.get("/contact/summary")
    finally:
        contact_server.release(UK)
    assert refused.status_code == 200 and "Error fetching details" in refused.text
    assert "no longer accepts this connection" in refused.text and ">Retry<" not in refused.text
    later = panel.get("/contact")
    assert 'data-state="not-connected"' in later.text
    assert "needs to be renewed" in later.text


def test_an_organisation_fetched_at_connect_time_spares_the_first_panel_a_call(contact_server):
    meter = contact_server.meter
    workspace = contact_server.connected_workspace(NZ)
    tenant_id = contact_server.org(NZ).tenant_id
    with contact_server.app.app_context():
        answer = organisation(contact_server.sandbox.organisation(tenant_id))
        remember_organisation(workspace.id, tenant_id, answer)
    panel = link_panel(contact_server, workspace, _owing_contacts(contact_server)[4], user_id="o")
    mark = meter.mark()
    summary = panel.get("/contact/summary").text
    assert sorted(_paths(meter.since(mark))) == ["Invoices", "Quotes"]
    assert "shortcode=" + requests.utils.quote(answer.short_code, safe="") in summary
