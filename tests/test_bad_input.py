"""Bad input gets a clear 4xx, never a 500, on SQLite and PostgreSQL: page numbers past any
integer, NUL bytes (which PostgreSQL text cannot hold) in form values and in signed launch claims,
and lone surrogates (which no database can store as UTF-8) in signed claims."""

import base64
import hashlib
import hmac
import json
import secrets
import time
from urllib.parse import urlencode

import pytest

from tests.auth.fixtures import (
    SESSION_META,
    launch,
    make_tenant,
    record_claim,
    signed_url,
    user_claim,
)


@pytest.fixture
def tenant(db_app):
    return make_tenant(db_app)


@pytest.fixture
def admin(db_app, tenant):
    return launch(db_app, tenant, "admin", user_id="the-admin", admin=True)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_signed(tenant, panel="contact", **claims) -> str:
    """A token signed by hand: `json.dumps` escapes a lone surrogate as `\\ud800`, as a CRM's
    JSON library may, where our own signer would refuse to encode it."""
    now = int(time.time())
    body = {
        "iss": tenant.id,
        "aud": "xero-widget",
        "sub": "rep-1",
        "iat": now,
        "exp": now + 300,
        "jti": secrets.token_urlsafe(16),
        "panel": panel,
        "user": user_claim("rep-1", admin=True),
        "record": record_claim(panel),
    } | claims
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps(body).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = hmac.new(tenant.secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def assert_refused(response, status: int = 400) -> str:
    body = response.get_data(as_text=True)
    assert response.status_code == status, body[:400]
    assert "Traceback" not in body
    return body


# -- page numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page", ["99999999999999999999999999", "9223372036854775808", "-5", "0", "abc", "1e9", ""]
)
def test_admin_page_numbers_past_any_integer_show_a_page(db_app, tenant, admin, page):
    url = signed_url(tenant, "admin", user_claim("the-admin", admin=True))
    response = db_app.test_client().get(f"{url}&{urlencode({'page': page})}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    audit = admin.get("/admin/audit", query_string={"page": page})
    assert audit.status_code == 200, audit.get_data(as_text=True)[:300]


def test_page_number_helper_clamps():
    from widget.paging import MAX_PAGE, page_number

    assert page_number("3") == 3
    assert page_number(None) == 1
    assert page_number("0") == 1
    assert page_number("-2") == 1
    assert page_number(" 7 ") == 1  # not a plain number: the first page
    assert page_number("٣") == 1  # a digit, but not an ASCII one
    assert page_number("9" * 40) == MAX_PAGE
    assert page_number("12", last=5) == 5


# -- NUL bytes in form and query values ------------------------------------------------------------


@pytest.mark.parametrize("path", ["/admin/xero/pick", "/admin/xero/complete"])
def test_a_nul_byte_in_the_flow_state_is_refused(admin, path):
    response = admin.post(path, data={"state": "a\x00b", "tenant_id": "t\x00"})
    body = assert_refused(response)
    assert "NUL" in body


def test_a_nul_byte_in_a_query_value_or_name_is_refused(db_app, admin):
    assert_refused(admin.get("/admin/audit", query_string={"page": "1\x00"}))
    assert_refused(admin.get("/admin/audit", query_string={"p\x00ge": "1"}))
    assert_refused(db_app.test_client().get("/contact", query_string={"token": "a.b\x00.c"}))


def test_a_nul_byte_in_the_session_header_is_refused(db_app, admin):
    response = db_app.test_client().get(
        "/admin/audit", headers={"X-Widget-Session": admin.token + "\x00", "HX-Request": "true"}
    )
    assert response.status_code in (400, 401)


# -- NUL bytes and lone surrogates in signed launch claims ----------------------------------------


def _open(db_app, token: str, panel: str = "contact"):
    return db_app.test_client().get(f"/{panel}", query_string={"token": token})


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"jti": "a\x00b"}, "jti"),
        ({"sub": "a\x00b", "user": user_claim("a\x00b", admin=True)}, "user.id"),
        ({"user": user_claim("rep-1", admin=True, name="Ana\x00Rep")}, "user.name"),
        ({"user": user_claim("rep-1", admin=True, name="Ana\ud800")}, "user.name"),
        ({"user": user_claim("rep-1", admin=True, email="a\ud800@x.example")}, "user.email"),
        ({"record": record_claim("contact") | {"id": "c\x00"}}, "record.id"),
        ({"record": record_claim("contact") | {"email": "jo\ud800@x.example"}}, "record.email"),
        ({"record": record_claim("contact") | {"name": "\udfff"}}, "record.name"),
        ({"iss": "ws-\x00"}, "issuer"),
    ],
)
def test_signed_claims_with_nul_or_lone_surrogates_are_refused(db_app, tenant, claims, reason):
    response = _open(db_app, hand_signed(tenant, **claims))
    body = assert_refused(response, 401)
    assert reason in body
    assert SESSION_META.search(body) is None


def test_a_contact_in_a_company_record_with_a_nul_is_refused(db_app, tenant):
    record = record_claim("company")
    record["contacts"] = [{"id": "c-1", "name": "Jo\x00", "email": "jo@x.example"}]
    body = assert_refused(
        _open(db_app, hand_signed(tenant, "company", record=record), "company"), 401
    )
    assert "record.contacts[].name" in body


def test_ordinary_unicode_claims_still_open_the_panel(db_app, tenant):
    user = user_claim("rep-1", admin=True, name="Zoë 🦊 Ōtautahi")
    response = _open(db_app, hand_signed(tenant, user=user))
    assert response.status_code == 200
    assert SESSION_META.search(response.get_data(as_text=True))


# -- ids in paths and compared secrets ------------------------------------------------------------


@pytest.mark.parametrize("user_id", [2**31, 2**63, 10**30])
def test_ids_past_any_integer_column_find_nothing(admin, user_id):
    response = admin.post(f"/admin/users/{user_id}/access", data={"access": "view"})
    assert response.status_code == 404


def test_a_forged_non_ascii_binding_cookie_binds_nothing(db_app):
    from widget.connection import binding

    with db_app.test_request_context("/admin/xero/callback"):
        name = "xero_connect_" + hashlib.sha256(b"some-state").hexdigest()[:16]
        assert binding.is_bound({name: "é🦊"}, "some-state") is False


def test_sandbox_client_credentials_with_non_ascii_are_refused(db_app):
    response = db_app.test_client().post(
        "/sandbox/xero/identity.xero.com/connect/token",
        data={"grant_type": "client_credentials", "client_id": "é", "client_secret": "🦊"},
    )
    assert response.status_code == 401


# -- JSON bodies ----------------------------------------------------------------------------------

SANDBOX_CONTACTS = "/sandbox/xero/api.xero.com/api.xro/2.0/Contacts"


@pytest.mark.parametrize(
    "body",
    [
        '{"Contacts": [{"Name": "a\\ud800b"}]}',
        '{"Contacts": [{"Name\\u0000": "x"}]}',
        "[" * 100_000 + "]" * 100_000,
    ],
)
def test_json_bodies_with_unstorable_text_or_no_end_of_nesting_are_refused(db_app, body):
    response = db_app.test_client().put(
        SANDBOX_CONTACTS, data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400


def test_ordinary_json_still_reaches_the_route(db_app):
    response = db_app.test_client().put(
        SANDBOX_CONTACTS,
        data='{"Contacts": [{"Name": "Zoë 🦊"}]}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 401  # the sandbox's own answer: no bearer token
