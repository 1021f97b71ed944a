"""The contact panel's states over HTTP with the sandbox as Xero: not linked (suggestions, search,
Add contact), linked (summary, menu, quick view), not connected, and who may do what."""

import html
import re
import secrets

import pytest
import requests
from sqlalchemy import select

from tests.connection.support import connect_organisation, new_workspace
from tests.contact.support import (
    NZ,
    UK,
    Figures,
    link_panel,
    open_panel,
    person_record,
    stored,
)
from widget.auth.launch import sign_launch_token
from widget.auth.models import AuditEntry

LINK_FORM = 'hx-post="/contact/link"'


def _people(server, org_name=NZ) -> list[dict]:
    return [
        c
        for c in stored(server, org_name, "contact")
        if c.get("FirstName") and c.get("EmailAddress") and c["ContactStatus"] == "ACTIVE"
    ]


def _audit(server, workspace_id: str) -> list[tuple[str, str]]:
    with server.app.extensions["db_sessionmaker"]() as session:
        rows = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.workspace_id == workspace_id)
            .order_by(AuditEntry.id)
        )
        return [(row.action, row.subject) for row in rows if not row.action.startswith("xero.")]


def _rows(fragment: str) -> list[str]:
    return re.findall(r'<li class="contact-row" data-xero-contact-id="([^"]+)"', fragment)


@pytest.fixture(scope="module")
def workspace(contact_server):
    return contact_server.connected_workspace(NZ)


def test_suggestions_rank_the_same_email_first_and_say_why(contact_server, workspace):
    person = _people(contact_server)[0]
    panel = open_panel(
        contact_server,
        workspace,
        person_record(
            name=f"{person['FirstName']} {person['LastName']}", email=person["EmailAddress"]
        ),
    )
    assert 'hx-get="/contact/suggestions" hx-trigger="load"' in panel.page.text
    answer = panel.get("/contact/suggestions")
    assert answer.status_code == 200
    assert _rows(answer.text)[0] == person["ContactID"]
    first = answer.text.split('<li class="contact-row"')[1]
    assert "Same email" in first and html.escape(person["EmailAddress"]) in first
    assert "Customer" in first or "Supplier" in first or person.get("IsCustomer") is False
    assert LINK_FORM in first


def test_a_contact_persons_email_ranks_above_a_similar_name(contact_server, workspace):
    company = next(
        c for c in stored(contact_server, NZ, "contact") if len(c.get("ContactPersons") or []) >= 2
    )
    person = company["ContactPersons"][1]
    record = person_record(
        name=f"{person['FirstName']} {person['LastName']}",
        email=person["EmailAddress"],
        company=company["Name"],
    )
    answer = open_panel(contact_server, workspace, record).get("/contact/suggestions")
    assert _rows(answer.text)[0] == company["ContactID"]
    assert "Email of a contact person" in answer.text.split("</li>")[0]


def test_no_match_says_no_records_found(contact_server, workspace):
    record = person_record(name="Zzyzx Qwertyuiop", email="zzyzx@nowhere.invalid")
    answer = open_panel(contact_server, workspace, record).get("/contact/suggestions")
    assert answer.status_code == 200 and "No records found" in answer.text
    assert _rows(answer.text) == []


def test_search_finds_by_first_name_last_name_and_company_name(contact_server, workspace):
    person = _people(contact_server)[1]
    company = next(c for c in stored(contact_server, NZ, "contact") if not c.get("FirstName"))
    panel = open_panel(contact_server, workspace, person_record(name="Searching Rep"))
    assert 'hx-trigger="input changed delay:300ms, search"' in panel.page.text  # debounced
    for term, wanted in (
        (person["FirstName"], person),
        (person["LastName"], person),
        (company["Name"].split()[0], company),
    ):
        answer = panel.get("/contact/search", q=term)
        assert answer.status_code == 200
        assert wanted["ContactID"] in _rows(answer.text), term
        assert LINK_FORM in answer.text
    assert "at least 2 characters" in panel.get("/contact/search", q="x").text
    assert "No records found" in panel.get("/contact/search", q="Qwertyuiopzz").text


def test_link_then_unlink_updates_the_panel_at_once_and_is_audited(contact_server):
    workspace = contact_server.connected_workspace(NZ)
    first, second = _people(contact_server)[2:4]
    record = person_record(name="Linking Person")
    panel = open_panel(contact_server, workspace, record)

    linked = panel.post("/contact/link", {"xero_contact_id": first["ContactID"]})
    assert linked.status_code == 200 and 'data-state="linked"' in linked.text
    assert html.escape(first["Name"]) in linked.text
    assert 'hx-get="/contact/summary" hx-trigger="load"' in linked.text
    reopened = open_panel(contact_server, workspace, record)  # a later launch remembers it
    assert f'data-xero-contact-id="{first["ContactID"]}"' in reopened.page.text

    relinked = panel.post("/contact/link", {"xero_contact_id": second["ContactID"]})
    assert html.escape(second["Name"]) in relinked.text
    unlinked = panel.post("/contact/unlink")
    assert unlinked.status_code == 200 and 'data-state="unlinked"' in unlinked.text
    moved_on = reopened.get("/contact/summary")  # the other tab learns on its next request
    assert moved_on.headers.get("HX-Retarget") == "#contact-body"
    assert 'data-state="unlinked"' in moved_on.text
    assert _audit(contact_server, workspace.id) == [
        ("link.create", first["ContactID"]),
        ("link.change", second["ContactID"]),
        ("link.remove", second["ContactID"]),
    ]


def test_linking_refuses_bad_or_unknown_contacts(contact_server, workspace):
    panel = open_panel(contact_server, workspace, person_record(name="Careful"))
    bad = panel.post("/contact/link", {"xero_contact_id": "not-an-id"})
    gone = panel.post("/contact/link", {"xero_contact_id": "00000000-0000-4000-8000-000000000000"})
    assert bad.status_code == 400 and gone.status_code == 404
    assert gone.headers["HX-Retarget"] == "#contact-notice" and "no longer exists" in gone.text
    assert (
        'data-state="unlinked"' in open_panel(contact_server, workspace, person_record()).page.text
    )


def test_add_contact_is_prefilled_refuses_a_duplicate_name_and_links_on_success(contact_server):
    meter = contact_server.meter
    workspace = contact_server.connected_workspace(NZ)
    suffix = secrets.token_hex(3)
    record = person_record(name=f"Ngaio Marsh{suffix}", email=f"ngaio{suffix}@example.co.nz")
    panel = open_panel(contact_server, workspace, record)
    page = panel.page.text
    for name, value in (
        ("name", f"Ngaio Marsh{suffix}"),
        ("first_name", "Ngaio"),
        ("last_name", f"Marsh{suffix}"),
        ("email", f"ngaio{suffix}@example.co.nz"),
    ):
        assert re.search(rf'name="{name}" type="\w+" value="{re.escape(value)}"', page), name
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    taken = _people(contact_server)[0]["Name"]

    mark = meter.mark()
    empty = panel.post("/contact/new", {"name": " ", "idempotency_key": key})
    assert empty.status_code == 422 and "Enter the contact" in empty.text
    assert meter.since(mark) == []  # checked before Xero sees it
    duplicate = panel.post(
        "/contact/new", {"name": taken, "first_name": "Typed", "idempotency_key": key}
    )
    assert duplicate.status_code == 422
    name_field = duplicate.text.split('id="new-contact-name"')[1].split("</div>")[0]
    assert 'aria-invalid="true"' in name_field and "already assigned" in name_field
    assert 'value="Typed"' in duplicate.text  # what the rep typed is kept

    fresh_key = re.search(r'name="idempotency_key" value="([^"]+)"', duplicate.text).group(1)
    form = {"name": record["name"], "email": record["email"], "idempotency_key": fresh_key}
    created = panel.post("/contact/new", form)
    again = panel.post("/contact/new", form)  # a double submit creates nothing more
    assert created.status_code == 200 and again.status_code == 200
    assert created.headers["HX-Retarget"] == "#contact-body"
    assert 'data-state="linked"' in created.text and html.escape(record["name"]) in created.text
    matches = [c for c in stored(contact_server, NZ, "contact") if c["Name"] == record["name"]]
    assert len(matches) == 1 and matches[0]["EmailAddress"] == record["email"]
    assert ("contact.create", matches[0]["ContactID"]) in _audit(contact_server, workspace.id)
    assert ("link.create", matches[0]["ContactID"]) in _audit(contact_server, workspace.id)
    # the new contact shows up in searches at once (cached searches were dropped)
    found = panel.get("/contact/search", q=f"Marsh{suffix}")
    assert matches[0]["ContactID"] in _rows(found.text)


def test_view_only_users_see_no_edit_actions_and_are_refused_them(contact_server, workspace):
    contact = _people(contact_server)[4]
    record = person_record(
        name=f"{contact['FirstName']} {contact['LastName']}", email=contact["EmailAddress"]
    )
    viewer = open_panel(contact_server, workspace, record, user_id="viewer", access="view")
    assert "Add contact to Xero" not in viewer.page.text
    assert 'hx-get="/contact/search"' in viewer.page.text  # view: suggestions, search
    suggestions = viewer.get("/contact/suggestions").text
    assert contact["ContactID"] in _rows(suggestions) and LINK_FORM not in suggestions
    assert LINK_FORM not in viewer.get("/contact/search", q=contact["LastName"]).text
    for path, data in (
        ("/contact/link", {"xero_contact_id": contact["ContactID"]}),
        ("/contact/unlink", {}),
        ("/contact/new", {"name": "Sneaky Ltd"}),
    ):
        assert viewer.post(path, data).status_code == 403, path
    assert viewer.get("/drafts/quote/new").status_code == 403  # the menu's Add quote

    editor = open_panel(contact_server, workspace, record, user_id="editor", access="edit")
    editor.post("/contact/link", {"xero_contact_id": contact["ContactID"]})
    summary = viewer.get("/contact/summary").text
    assert "View in Xero" in summary and ">Refresh<" in summary
    for hidden in (">Unlink<", ">Add quote<", ">Add invoice (draft)<", ">Add bill<"):
        assert hidden not in summary
    assert viewer.post("/contact/unlink").status_code == 403
    editor_summary = editor.get("/contact/summary").text
    for shown in (">Unlink<", ">Add quote<", ">Add invoice (draft)<", ">Add bill<", ">Refresh<"):
        assert shown in editor_summary
    assert 'hx-get="/drafts/bill/new"' in editor_summary


def test_members_without_access_get_the_no_access_page(contact_server, workspace):
    panel = open_panel(
        contact_server,
        workspace,
        person_record(name="Hidden"),
        user_id="nobody",
        access=None,
        expect=403,
    )
    assert (
        "have access to Xero information" in panel.page.text
        and "Suggested Xero contacts" not in panel.page.text
    )


def test_linked_panel_shows_view_in_xero_with_the_short_code_and_the_menu(
    contact_server, workspace
):
    contact = _people(contact_server)[5]
    panel = link_panel(contact_server, workspace, contact["ContactID"])
    summary = panel.get("/contact/summary").text
    short_code = contact_server.org(NZ).short_code
    deep = (
        "https://go.xero.com/organisationlogin/default.aspx?shortcode="
        + requests.utils.quote(short_code, safe="")
        + "&amp;redirecturl=%2FContacts%2FView%2F"
        + contact["ContactID"]
    )
    assert deep in summary
    assert '<details class="actions-menu">' in summary and "<summary>Actions</summary>" in summary
    assert re.search(r"As of <time datetime=\"[^\"]+\">", summary)
    assert len(Figures(summary).figures) == 5


def test_quick_view_shows_the_five_figures_and_view_in_xero(contact_server, workspace):
    contact = _people(contact_server)[6]
    record = person_record(name="Quick Person")
    editor = open_panel(contact_server, workspace, record)
    editor.post("/contact/link", {"xero_contact_id": contact["ContactID"]})
    cold = open_panel(contact_server, workspace, record, path="/contact/quick")
    assert 'data-view="quick"' in cold.page.text
    assert 'hx-get="/contact/summary?view=quick"' in cold.page.text
    fragment = cold.get("/contact/summary", view="quick").text
    assert len(Figures(fragment).figures) == 5 and "View in Xero" in fragment
    assert ">Unlink<" not in fragment and "View details" not in fragment
    warm = open_panel(contact_server, workspace, record, params={"view": "quick"})
    assert 'data-view="quick"' in warm.page.text
    assert Figures(warm.page.text).figures == Figures(fragment).figures
    unlinked = open_panel(contact_server, workspace, person_record(), path="/contact/quick")
    assert "Not linked to a Xero contact" in unlinked.page.text


def test_another_organisation_hides_the_links_and_reconnecting_brings_them_back(contact_server):
    workspace = contact_server.connected_workspace(NZ)
    contact = _people(contact_server)[7]
    record = person_record(name="Two Orgs")
    open_panel(contact_server, workspace, record).post(
        "/contact/link", {"xero_contact_id": contact["ContactID"]}
    )
    connect_organisation(contact_server, workspace, contact_server.org(UK).tenant_id)
    under_uk = open_panel(contact_server, workspace, record)
    assert 'data-state="unlinked"' in under_uk.page.text
    assert contact["ContactID"] not in under_uk.page.text
    connect_organisation(contact_server, workspace, contact_server.org(NZ).tenant_id)
    back = open_panel(contact_server, workspace, record)
    assert f'data-xero-contact-id="{contact["ContactID"]}"' in back.page.text


def test_without_a_connection_the_panel_says_whom_to_ask(contact_server):
    workspace = new_workspace(contact_server.app)
    rep = open_panel(contact_server, workspace, person_record(name="Early"))
    assert 'data-state="not-connected"' in rep.page.text
    assert "Ask an admin of your CRM account to connect it" in rep.page.text
    assert "Xero is not connected" in rep.get("/contact/suggestions").text
    admin = open_panel(contact_server, workspace, person_record(), user_id="boss", admin=True)
    assert "Connect it from the admin page" in admin.page.text


def test_other_panels_sessions_cannot_use_the_contact_routes(contact_server, workspace):
    token = sign_launch_token(
        workspace.id,
        workspace.secret,
        user={"id": "deal-rep", "name": "Deal Rep", "admin": True},
        record={"type": "deal", "id": "deal-1", "name": "Big deal"},
        panel="deal",
    )
    page = requests.get(f"{contact_server.url}/deal", params={"token": token}, timeout=10)
    session = re.search(r'<meta name="widget-session" content="([^"]+)"', page.text).group(1)
    answer = requests.get(
        f"{contact_server.url}/contact/summary", headers={"X-Widget-Session": session}, timeout=10
    )
    assert answer.status_code == 404
