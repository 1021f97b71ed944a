"""The matching review in real Chromium, inside the demo CRM's iframe, against the sandbox's NZ
organisation as the mirror copied it: a CSV of CRM contacts (an exact email, a typo'd name, a
stranger), Find matches, accept all exact in one action, link a likely one, create the missing one
(a background job with a progress line); axe on each state."""

from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser import axe
from tests.browser.conftest import crm_url_of, fresh_server
from tests.browser.demo_crm import open_panel
from tests.browser.test_browser_admin_setup import check
from tests.connection.support import Workspace, connect_organisation
from widget.auth.workspaces import DEMO_WORKSPACE_ID, current_secret, ensure_demo_workspace
from widget.connection.service import client_for
from widget.contact.models import ContactLink
from widget.db import get_session
from widget.mirror.models import MirrorContact
from widget.mirror.sync import sync_organisation

pytestmark = pytest.mark.browser
NZ = "Demo Company (NZ)"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    for server in fresh_server(tmp_path_factory.mktemp("admin-matching-browser")):
        crm_url = crm_url_of(server)
        app = server.app
        with app.app_context():
            session = get_session()
            ensure_demo_workspace(session, [crm_url.rsplit("/demo-crm/", 1)[0]])
            secret = current_secret(session, DEMO_WORKSPACE_ID)
        tenant_id = app.extensions["sandbox"].find_org(NZ).tenant_id
        workspace = Workspace(DEMO_WORKSPACE_ID, secret)
        connect_organisation(SimpleNamespace(url=server.url, app=app), workspace, tenant_id)
        with app.app_context():
            assert sync_organisation(DEMO_WORKSPACE_ID, tenant_id).outcome == "synced"
        yield SimpleNamespace(crm_url=crm_url, app=app, tenant_id=tenant_id)


@pytest.fixture(scope="module")
def axe_js(request, tmp_path_factory) -> str:
    return axe.source(axe.cache_dir_for(request, tmp_path_factory))


def _two_xero_contacts(site) -> tuple[MirrorContact, MirrorContact]:
    with site.app.app_context():
        rows = get_session().scalars(
            select(MirrorContact)
            .where(
                MirrorContact.workspace_id == DEMO_WORKSPACE_ID,
                MirrorContact.contact_status == "ACTIVE",
                MirrorContact.email_address.is_not(None),
                MirrorContact.merged_to_contact_id.is_(None),
            )
            .order_by(MirrorContact.name)
        )
        with_email = [row for row in rows if row.email_address and " " in row.name.strip()]
        return with_email[0], with_email[-1]


def test_matching_review_accepts_exact_then_a_likely_one(page, site, axe_js, browser_log):
    exact, likely = _two_xero_contacts(site)
    typo = likely.name[:-1] + ("x" if likely.name[-1] != "x" else "y")
    csv = (
        "id,name,email\n"
        f"m-1,Someone Else,{exact.email_address.upper()}\n"
        f'm-2,"{typo}",\n'
        "m-3,Nobody Atall,nobody@nowhere.invalid\n"
    ).encode()
    admin = open_panel(page, site.crm_url, "admin")
    upload = admin.locator("form.crm-upload")
    upload.get_by_label("CSV file").set_input_files(
        files=[{"name": "crm.csv", "mimeType": "text/csv", "buffer": csv}]
    )
    upload.get_by_role("button", name="Upload").click()
    expect(admin.locator("#crm-import-result")).to_contain_text("Saved contacts: 3 new")

    review = admin.locator("#crm-matching")
    review.get_by_role("button", name="Find matches").click()
    expect(review).to_contain_text("Matched: 1 exact, 1 likely, 1 without a match")
    expect(review.locator(".match-row")).to_contain_text(exact.name)
    check(page, admin, axe_js, "matching-exact")

    review.get_by_role("button", name="Accept all 1 exact matches").click()
    expect(review).to_contain_text("Linked 1 CRM contacts to their Xero contacts.")
    expect(admin.locator("#audit-log")).to_contain_text(f"to Xero contact {exact.name}")

    review.get_by_role("button", name="Likely (1)").click()
    row = review.locator(".match-row", has_text=typo)
    expect(row).to_contain_text(likely.name)
    expect(row).to_contain_text("% sure")
    check(page, admin, axe_js, "matching-likely")
    row.get_by_role("button", name=f"Link {typo}").click()
    expect(review).to_contain_text(f"Linked {typo} to Xero contact {likely.name}.")

    review.get_by_role("button", name="No match (1)").click()
    expect(review).to_contain_text("No match found in Xero.")
    check(page, admin, axe_js, "matching-none")
    review.get_by_role("button", name="Create the 1 missing Xero contacts").click()
    expect(review).to_contain_text("Created and linked 1 Xero contacts", timeout=20_000)
    check(page, admin, axe_js, "matching-created")
    review.get_by_role("button", name="Already linked (3)").click()
    expect(review).to_contain_text("Nobody Atall")
    check(page, admin, axe_js, "matching-linked")

    with site.app.app_context():
        links = {
            row.crm_contact_id: row.xero_contact_id
            for row in get_session().scalars(
                select(ContactLink).where(ContactLink.workspace_id == DEMO_WORKSPACE_ID)
            )
        }
    assert links["m-1"] == exact.contact_id and links["m-2"] == likely.contact_id
    with site.app.app_context():  # the one Xero had no match for was created, once
        created = client_for(DEMO_WORKSPACE_ID).contacts(name="Nobody Atall").items
    assert [c.contact_id for c in created] == [links["m-3"]]
    assert browser_log.errors == []
