"""The demo CRM page: where `/` leads, which records it lists, and the launch URL it frames."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey

from tests.conftest import make_test_app
from widget.auth.workspaces import DEMO_WORKSPACE_ID, current_secret, find_workspace, origins_of
from widget.db import get_session
from widget.demo.embed import widget_base_url
from widget.demo.records import directory

CRM = "http://localhost:5000"


def _iframe_src(html: str) -> str:
    found = re.search(r'<iframe[^>]*\bsrc="([^"]+)"', html)
    assert found, "no iframe on the page"
    return unescape(found.group(1))


def _claims(app, src: str) -> dict:
    token = parse_qs(urlsplit(src).query)["token"][0]
    with app.app_context():
        secret = current_secret(get_session(), DEMO_WORKSPACE_ID)
    return jwt.decode(token, OctKey.import_key(secret), algorithms=["HS256"]).claims


def test_the_home_page_leads_to_the_demo_crm(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/demo-crm/"
    page = client.get("/demo-crm/", base_url=CRM)
    assert page.status_code == 200
    crm = directory()
    for name in [crm.people[0].name, crm.companies[0].name, crm.deals[0].name]:
        assert unescape(page.get_data(as_text=True)).count(name) >= 1


@pytest.mark.parametrize(
    ("crm_origin", "widget_origin"),
    [
        ("http://localhost:5000", "http://127.0.0.1:5000"),
        ("http://127.0.0.1:8123", "http://localhost:8123"),
        ("https://widget.example.com", "https://widget.example.com"),
    ],
)
def test_panels_come_from_the_other_loopback_name(crm_origin, widget_origin):
    assert widget_base_url(crm_origin) == widget_origin


def test_a_person_page_frames_the_contact_panel_from_the_other_origin(app, client):
    person = directory().people[1]
    response = client.get(f"/demo-crm/people/{person.id}?user=crm-sam", base_url=CRM)
    assert response.status_code == 200
    src = _iframe_src(response.get_data(as_text=True))
    assert src.startswith("http://127.0.0.1:5000/contact?token=")
    claims = _claims(app, src)
    assert claims["iss"] == DEMO_WORKSPACE_ID and claims["panel"] == "contact"
    assert claims["user"] == {
        "id": "crm-sam",
        "name": "Sam Seller",
        "email": "sam.seller@demo-crm.example",
        "admin": False,
    }
    assert claims["record"]["type"] == "contact"
    assert claims["record"]["id"] == person.id and claims["record"]["email"] == person.email
    assert claims["exp"] - claims["iat"] <= 300
    frame_src = response.headers["Content-Security-Policy"]
    assert "frame-src 'self' http://localhost:* http://127.0.0.1:*" in frame_src


def test_each_page_signs_a_fresh_token_and_the_crm_origin_may_frame_the_widget(app, client):
    first = _iframe_src(client.get("/demo-crm/admin", base_url=CRM).get_data(as_text=True))
    second = _iframe_src(client.get("/demo-crm/admin", base_url=CRM).get_data(as_text=True))
    assert first != second
    claims = _claims(app, first)
    assert claims["panel"] == "admin" and claims["record"] == {"type": "none"}
    assert claims["user"]["admin"] is True  # the default user is the CRM admin
    with app.app_context():
        assert CRM in origins_of(find_workspace(get_session(), DEMO_WORKSPACE_ID))


def test_company_and_deal_records_carry_their_contacts(app, client):
    crm = directory()
    company, deal = crm.companies[0], crm.deals[0]
    page = client.get(f"/demo-crm/companies/{company.id}", base_url=CRM).get_data(as_text=True)
    record = _claims(app, _iframe_src(page))["record"]
    assert record["type"] == "company" and record["id"] == company.id
    assert [c["id"] for c in record["contacts"]] == list(company.person_ids)
    page = client.get(f"/demo-crm/deals/{deal.id}", base_url=CRM).get_data(as_text=True)
    record = _claims(app, _iframe_src(page))["record"]
    assert record["type"] == "deal" and record["primary_contact_id"] == deal.primary_person_id
    assert {c["id"] for c in record["contacts"]} == set(deal.person_ids)


def test_unknown_records_and_users_get_clear_4xx(client):
    assert client.get("/demo-crm/people/nobody", base_url=CRM).status_code == 404
    assert client.get("/demo-crm/deals/nothing", base_url=CRM).status_code == 404
    response = client.get("/demo-crm/?user=mallory", base_url=CRM)
    assert response.status_code == 400
    assert "no such demo CRM user" in response.get_data(as_text=True)


def test_a_non_loopback_http_host_is_told_to_use_https(client):
    response = client.get("/demo-crm/admin", base_url="http://192.0.2.7:5000")
    assert response.status_code == 400
    assert "https://" in response.get_data(as_text=True)


def test_the_demo_crm_is_not_mounted_against_the_real_xero(tmp_path):
    app = make_test_app(
        f"sqlite:///{tmp_path / 'widget.sqlite3'}", XERO_USE_SANDBOX=False, SANDBOX_ENABLED=False
    )
    client = app.test_client()
    assert client.get("/demo-crm/").status_code == 404
    assert client.get("/").status_code == 404
