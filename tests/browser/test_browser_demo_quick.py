"""The demo CRM's quick views in Chromium: a row's Quick view opens that record's quick panel in
the side view (a real cross-site iframe), a record page switches between full panel and quick
view, and both the CRM page and the framed quick view pass an axe scan."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import axe
from widget.demo.records import directory

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def axe_js(request, tmp_path_factory) -> str:
    return axe.source(axe.cache_dir_for(request, tmp_path_factory))


def test_quick_views_open_from_the_lists_and_from_a_record(page, crm_url, axe_js, browser_log):
    company = directory().companies[0]
    page.goto(crm_url + "?user=crm-admin")
    row = page.locator("#companies tr", has_text=company.name)
    row.get_by_role("link", name="Quick view").click()
    expect(page).to_have_url(re.compile(rf"quick=company(%3A|:){company.id}"))
    frame_element = page.locator("#widget-panel")
    expect(frame_element).to_have_attribute("src", re.compile(r"/company\?token=.*&view=quick"))
    expect(page.get_by_role("heading", name=f"Xero: {company.name}")).to_be_visible()
    quick = page.frame_locator("#widget-panel")
    expect(quick.locator("main")).to_be_visible()
    axe.assert_accessible(page.main_frame, axe_js, "demo CRM with a quick view beside its lists")
    axe.assert_accessible(page.frame("widget-panel"), axe_js, "the quick view in the side view")

    page.locator("#companies").get_by_role("link", name=company.name, exact=True).click()
    expect(frame_element).to_have_attribute("src", re.compile(r"/company\?token=[^&]+$"))
    page.get_by_role("link", name="Quick view", exact=True).click()
    expect(page).to_have_url(re.compile(r"view=quick"))
    expect(frame_element).to_have_attribute("src", re.compile(r"&view=quick$"))
    assert [e for e in browser_log.errors if "@ http://localhost" in e] == []
