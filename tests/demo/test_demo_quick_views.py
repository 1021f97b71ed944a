"""The demo CRM opens quick views too (a record's side view, from its page or from the lists),
the CLI prints launch URLs on the port the server runs on, and pages carry a favicon served from
our own static files."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.demo.test_demo_crm import CRM, _claims, _iframe_src
from widget.auth.workspaces import DEMO_WORKSPACE_ID, ensure_demo_workspace
from widget.db import get_session
from widget.demo.records import directory


def _quick_src(page: str) -> str:
    src = _iframe_src(page)
    assert parse_qs(urlsplit(src).query).get("view") == ["quick"], src
    return src


def test_a_record_page_switches_between_the_full_panel_and_its_quick_view(app, client):
    person = directory().people[0]
    full = client.get(f"/demo-crm/people/{person.id}?user=crm-sam", base_url=CRM).text
    assert "view=quick" not in _iframe_src(full)
    assert 'href="?user=crm-sam&amp;view=quick">Quick view</a>' in full
    quick = client.get(f"/demo-crm/people/{person.id}?user=crm-sam&view=quick", base_url=CRM)
    assert quick.status_code == 200
    src = _quick_src(quick.text)
    assert urlsplit(src).path == "/contact"
    assert _claims(app, src)["record"]["id"] == person.id
    assert 'class="crm-quick-frame"' in quick.text and ">Full panel</a>" in quick.text


@pytest.mark.parametrize(
    ("kind", "panel"), [("person", "contact"), ("company", "company"), ("deal", "deal")]
)
def test_the_lists_open_any_records_quick_view_beside_them(app, client, kind, panel):
    crm = directory()
    found = {"person": crm.people[0], "company": crm.companies[0], "deal": crm.deals[0]}[kind]
    home = client.get("/demo-crm/?user=crm-admin", base_url=CRM).text
    assert f"quick={kind}:{found.id}" in unescape(home)  # each row has its Quick view link
    page = client.get(f"/demo-crm/?user=crm-admin&quick={kind}:{found.id}", base_url=CRM)
    assert page.status_code == 200
    src = _quick_src(page.text)
    assert urlsplit(src).path == f"/{panel}"
    assert _claims(app, src)["record"]["id"] == found.id
    assert f"Xero: {found.name}" in unescape(page.text)
    # the widget answers the quick view it was sent to (an admin: not connected yet, it says so)
    widget = app.test_client().get(src.split("5000", 1)[1], base_url="http://127.0.0.1:5000")
    assert widget.status_code == 200


def test_an_unknown_quick_view_is_a_clear_404(client):
    missing = client.get("/demo-crm/?user=crm-sam&quick=person:nobody", base_url=CRM)
    assert missing.status_code == 404
    odd = client.get("/demo-crm/?user=crm-sam&quick=invoice:1", base_url=CRM)
    assert odd.status_code == 404


def test_launch_urls_printed_by_the_cli_use_the_servers_port(app, monkeypatch):
    with app.app_context():
        ensure_demo_workspace(get_session(), ["http://localhost:8123"])
        get_session().commit()
    runner = app.test_cli_runner()
    args = ["widget", "launch-url", "--workspace", DEMO_WORKSPACE_ID, "--user", "u-1"]
    monkeypatch.setenv("PORT", "8123")
    assert runner.invoke(args=args).output.startswith("http://localhost:8123/admin?token=")
    monkeypatch.delenv("PORT")
    assert runner.invoke(args=args).output.startswith("http://localhost:5000/admin?token=")


def test_pages_link_a_favicon_served_from_our_static_files(client):
    for url in ("/demo-crm/?user=crm-sam", f"/demo-crm/people/{directory().people[0].id}"):
        page = client.get(url + ("&" if "?" in url else "?") + "user=crm-sam", base_url=CRM)
        icon = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)"', page.text)
        assert icon and icon.group(1).startswith("/static/favicon.svg"), url
    served = client.get("/static/favicon.svg")
    assert served.status_code == 200 and served.data.startswith(b"<svg")
    assert served.mimetype == "image/svg+xml"
