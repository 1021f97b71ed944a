"""The admin page's onboarding in real Chromium, inside the demo CRM's cross-site iframe, as one
story whose tests run in order on one fresh server: the
setup checklist leads a fresh workspace and follows the connection without a reload (the
defaults and the audit log refresh too, with no CSP violation), people are added and granted
before their first visit (one, and a pasted list with a bad line) and their grant applies when
they open a panel, a CSV with bad rows names each one, and every new state passes axe."""

import pytest
from playwright.sync_api import Frame, Page, expect

from tests.browser import axe
from tests.browser.chromium import RESULTS
from tests.browser.conftest import crm_url_of, fresh_server
from tests.browser.demo_crm import connect_xero, open_panel
from widget.auth.clock import utcnow
from widget.auth.workspaces import DEMO_WORKSPACE_ID
from widget.connection.models import XeroConnection
from widget.demo.records import directory
from widget.mirror.models import MirrorState

pytestmark = pytest.mark.browser

FIRST_ORG, SECOND_ORG = "Demo Company (NZ)", "Demo Company (UK)"
PERSON = directory().people[0]
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from fresh_server(tmp_path_factory.mktemp("admin-setup-browser"))


@pytest.fixture(scope="module")
def crm_url(server):
    return crm_url_of(server)


@pytest.fixture(scope="module")
def axe_js(request, tmp_path_factory) -> str:
    return axe.source(axe.cache_dir_for(request, tmp_path_factory))


def check(page: Page, frame: Frame, axe_js: str, state: str) -> None:
    expect(frame.locator(".htmx-request")).to_have_count(0)
    axe.assert_accessible(frame, axe_js, state)
    assert frame.evaluate(OVERFLOW) <= 0, f"{state}: the admin page is wider than its frame"
    shoot(page, f"admin-{state}")


def shoot(page: Page, name: str) -> None:
    """The 360 px panel, leaving the caret alone: hiding it makes Playwright leave `style=""` on
    every input, which htmx 4 then copies onto swapped-in elements (a CSP violation; see
    static/admin.js). Extensions that touch inputs do the same; the admin sections are immune,
    the drafts' defaults form (its own swap) is not: the lead knows."""
    RESULTS.mkdir(exist_ok=True)
    page.locator("#widget-panel").screenshot(
        path=str(RESULTS / f"{name}-panel.png"), caret="initial"
    )


def step(frame: Frame, key: str):
    return frame.locator(f'#setup [data-step="{key}"] .setup-state')


def test_1_the_checklist_leads_and_follows_the_connection(
    page, server, crm_url, axe_js, browser_log
):
    admin = open_panel(page, crm_url, "admin")
    expect(admin.get_by_role("heading", name="Set up the widget")).to_be_visible()
    expect(step(admin, "connect")).to_have_text("To do")
    expect(admin.locator("#draft-defaults")).to_contain_text("Connect Xero to choose")
    check(page, admin, axe_js, "setup-checklist")

    admin.get_by_role("link", name="Connect to Xero: Connect Xero").click()
    expect(admin.locator("#xero-connection")).to_be_focused()

    connect_xero(page, admin, [FIRST_ORG, SECOND_ORG], shots="setup")
    expect(admin.locator(".xero-organisation")).to_have_text(SECOND_ORG)
    # without a reload: the checklist, the defaults and the audit log follow the connection
    expect(step(admin, "connect")).to_have_text("Done")
    expect(step(admin, "organisation")).to_have_text("Done")
    expect(admin.locator('#setup [data-step="organisation"]')).to_contain_text(SECOND_ORG)
    expect(step(admin, "sync")).to_have_text("Waiting")
    expect(admin.locator("#draft-defaults select#defaults-sales_account")).to_be_visible()
    expect(admin.locator("#draft-defaults")).not_to_contain_text("Connect Xero to choose")
    expect(admin.locator("#audit-log")).to_contain_text("connected Demo Company")
    check(page, admin, axe_js, "setup-connected")
    assert browser_log.errors == [], "no CSP violation or script error while sections refreshed"


def test_2_people_added_beforehand_get_their_grant_at_first_launch(
    page, crm_url, axe_js, browser_log
):
    admin = open_panel(page, crm_url, "admin")
    form = admin.locator("form.add-person")
    form.get_by_label("CRM user id").fill("crm-noah")
    form.get_by_label("Name").fill("Noah Newcomer")
    form.get_by_label("Email").fill("noah.newcomer@demo-crm.example")
    form.get_by_label("Access").select_option(label="Edit")
    form.get_by_role("button", name="Add").click()
    expect(admin.locator("#people-added")).to_contain_text("Saved: 1 added")
    row = admin.locator(".user-row", has_text="Noah Newcomer")
    expect(row).to_contain_text("has not opened the widget yet")
    expect(row.get_by_label("Access for Noah Newcomer")).to_have_value("edit")
    expect(step(admin, "access")).to_have_text("Done")
    expect(admin.locator("#audit-log")).to_contain_text("added Noah Newcomer")

    admin.get_by_text("Paste a list of people").click()
    admin.get_by_label("One person per line").fill(
        "crm-mia, Mia Member, mia.member@demo-crm.example, view\ncrm-zed, Zed, not-an-email"
    )
    admin.get_by_role("button", name="Add these people").click()
    errors = admin.locator("#people-added .row-errors")
    expect(errors).to_contain_text("1 line was not saved")
    expect(errors).to_contain_text("Line 2 (crm-zed): email 'not-an-email' is not an email address")
    expect(admin.locator("#people-added")).to_contain_text("Saved: 1 added")
    check(page, admin, axe_js, "people-added-with-a-bad-line")

    admin.get_by_label("Find people").fill("noah")
    expect(admin.locator("#user-count")).to_contain_text("1 person matches")
    expect(admin.locator(".user-row")).to_have_count(1)
    check(page, admin, axe_js, "people-search")
    browser_log.clear()

    noah = open_panel(
        page, crm_url, "admin".replace("admin", "people/crm-person-02"), user="crm-noah"
    )
    expect(noah.get_by_role("heading", name="No access")).to_have_count(0)
    expect(noah.get_by_text("Same email").or_(noah.get_by_text("Link")).first).to_be_visible()
    admin = open_panel(page, crm_url, "admin")
    admin.get_by_label("Find people").fill("noah")
    expect(admin.locator(".user-row", has_text="Noah Newcomer")).not_to_contain_text(
        "has not opened"
    )
    assert browser_log.errors == []


def test_3_a_csv_with_bad_rows_names_each_one(page, crm_url, axe_js, browser_log):
    admin = open_panel(page, crm_url, "admin")
    csv = (
        b"id,name,first_name,last_name,email,company\n"
        b"p-1,Jo Bloggs,Jo,Bloggs,jo@bloggs.example,Bloggs Ltd\n"
        b"p-2,,,,,\n"
        b"p-3,Ann Smith,Ann,Smith,ann-at-smith,Smith & Co\n"
        b"p-4,Kim Lee,Kim,Lee,kim@lee.example,\n"
    )
    upload = admin.locator("form.crm-upload")
    upload.get_by_label("CSV file").set_input_files(
        files=[{"name": "crm-contacts.csv", "mimeType": "text/csv", "buffer": csv}]
    )
    upload.get_by_role("button", name="Upload").click()
    result = admin.locator("#crm-import-result")
    expect(result).to_contain_text("Saved contacts: 2 new, 0 updated.")
    expect(result).to_contain_text("2 lines were not saved")
    expect(result).to_contain_text("Line 3 (p-2): name (or first_name/last_name) is required")
    expect(result).to_contain_text("Line 4 (p-3): email 'ann-at-smith' is not an email address")
    expect(admin.locator("#crm-contact-count")).to_contain_text("2 CRM contacts received")
    expect(step(admin, "match")).to_have_text("Done")
    check(page, admin, axe_js, "csv-upload-with-bad-rows")

    upload.get_by_role("button", name="Upload").click()  # the same file again: nothing changes
    expect(result).to_contain_text("2 lines were not saved")
    expect(result).not_to_contain_text("Saved contacts")
    browser_log.errors[:] = [e for e in browser_log.errors if "status of 422" not in e]
    assert browser_log.errors == []


def test_4_setup_complete_stays_reachable(page, server, crm_url, axe_js, browser_log):
    app = server.app
    with app.extensions["db_sessionmaker"]() as session:
        connection = session.query(XeroConnection).filter_by(workspace_id=DEMO_WORKSPACE_ID).one()
        # the mirror's first sync, as if it had finished (the mirror's own tests run it for real)
        state = session.get(MirrorState, (DEMO_WORKSPACE_ID, connection.tenant_id))
        if state is None:
            state = MirrorState(
                workspace_id=DEMO_WORKSPACE_ID, tenant_id=connection.tenant_id, cursor={},
                lease_token=0,
            )  # fmt: skip
            session.add(state)
        state.status, state.documents_read, state.documents_expected = "ready", 480, 480
        state.first_sync_completed_at = utcnow()
        session.commit()
    admin = open_panel(page, crm_url, "admin")
    expect(step(admin, "sync")).to_have_text("Done")
    admin.locator("#setup").get_by_role("button", name="Keep these defaults").click()
    expect(admin.locator("#audit-log")).to_contain_text("kept the standard defaults")
    summary = admin.locator("#setup summary")
    expect(summary).to_have_text("Setup: complete")
    check(page, admin, axe_js, "setup-complete-folded")
    summary.click()
    expect(admin.locator('#setup [data-step="defaults"]')).to_contain_text("Invoices due in")
    expect(admin.locator('#setup [data-step="sync"]')).to_contain_text("480 records")
    check(page, admin, axe_js, "setup-complete-open")

    # a default changed in its own section shows in the checklist without a reload
    admin.locator("#defaults-invoice_due_days").fill("21")
    admin.locator("#draft-defaults").get_by_role("button", name="Save defaults").click()
    expect(admin.locator('#setup [data-step="defaults"]')).to_contain_text(
        "Invoices due in 21 days"
    )
    assert browser_log.errors == []
