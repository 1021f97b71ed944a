"""The sandbox's OAuth 2.0: consent page, code + PKCE, refresh rotation with grace, revocation."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from tests.conftest import SANDBOX_CLIENT, SANDBOX_REDIRECT_URI, obtain_tokens
from tests.sandbox.helpers import Api, assert_problem
from widget.sandbox.models import Token


@pytest.fixture
def urls(live_server, sandbox_reset):
    base = live_server.sandbox_url
    return {
        "authorize": f"{base}/login.xero.com/identity/connect/authorize",
        "token": f"{base}/identity.xero.com/connect/token",
        "revoke": f"{base}/identity.xero.com/connect/revocation",
        "base": base,
    }


def authorize_params(**changes) -> tuple[dict, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    params = {
        "response_type": "code",
        "client_id": "sandbox-client",
        "redirect_uri": SANDBOX_REDIRECT_URI,
        "scope": "offline_access openid accounting.contacts accounting.settings.read",
        "state": "s-123",
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    return params | changes, verifier


def consent(urls, sandbox, params, orgs=("Demo Company (NZ)",), action="allow"):
    tenants = [sandbox.find_org(name).tenant_id for name in orgs]
    form = params | {"tenant": tenants, "action": action}
    return requests.post(urls["authorize"], data=form, allow_redirects=False, timeout=10)


def redirected(response) -> dict:
    assert response.status_code == 302, response.text[:300]
    location = response.headers["Location"]
    assert location.startswith(SANDBOX_REDIRECT_URI)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def exchange(urls, code, verifier, **changes):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": SANDBOX_REDIRECT_URI,
        "code_verifier": verifier,
    } | changes
    return requests.post(urls["token"], data=data, auth=SANDBOX_CLIENT, timeout=10)


def refresh(urls, token, auth=SANDBOX_CLIENT):
    data = {"grant_type": "refresh_token", "refresh_token": token}
    return requests.post(urls["token"], data=data, auth=auth, timeout=10)


def test_consent_page_offers_every_organisation(urls, sandbox_reset):
    params, _ = authorize_params()
    page = requests.get(urls["authorize"], params=params, timeout=10)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    for org in sandbox_reset.organisations():
        assert f'value="{org.tenant_id}"' in page.text and org.name in page.text
    assert page.text.count('type="checkbox"') == len(sandbox_reset.organisations())


@pytest.mark.parametrize(
    "changes",
    [
        {"client_id": "someone-else"},
        {"client_id": ""},
        {"redirect_uri": "not a url"},
        {"redirect_uri": ""},
    ],
)
def test_bad_client_or_redirect_is_a_400_page_not_a_redirect(urls, changes):
    params, _ = authorize_params(**changes)
    page = requests.get(urls["authorize"], params=params, allow_redirects=False, timeout=10)
    assert page.status_code == 400 and "Location" not in page.headers
    assert "invalid" in page.text


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "accounting.everything"}, "invalid_scope"),
        ({"scope": ""}, "invalid_scope"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "short"}, "invalid_request"),
    ],
)
def test_bad_requests_redirect_back_with_an_error(urls, changes, error):
    params, _ = authorize_params(**changes)
    page = requests.get(urls["authorize"], params=params, allow_redirects=False, timeout=10)
    assert redirected(page) == {"error": error, "state": "s-123"}


def test_cancel_and_picking_nothing(urls, sandbox_reset):
    params, _ = authorize_params()
    assert redirected(consent(urls, sandbox_reset, params, action="cancel")) == {
        "error": "access_denied",
        "state": "s-123",
    }
    nothing = consent(urls, sandbox_reset, params, orgs=())
    assert nothing.status_code == 400 and "Pick at least one organisation" in nothing.text


def test_code_with_pkce_gives_tokens_once(urls, sandbox_reset):
    params, verifier = authorize_params()
    code = redirected(consent(urls, sandbox_reset, params))["code"]
    answer = exchange(urls, code, verifier)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    body = answer.json()
    assert body["expires_in"] == 1800 and body["token_type"] == "Bearer"
    assert body["scope"] == params["scope"] and body["access_token"] and body["refresh_token"]
    assert exchange(urls, code, verifier).json() == {"error": "invalid_grant"}


@pytest.mark.parametrize(
    "changes",
    [{"code_verifier": "x" * 50}, {"code_verifier": ""}, {"redirect_uri": "http://elsewhere/cb"}],
)
def test_wrong_verifier_or_redirect_is_invalid_grant(urls, sandbox_reset, changes):
    params, verifier = authorize_params()
    code = redirected(consent(urls, sandbox_reset, params))["code"]
    answer = exchange(urls, code, verifier, **changes)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_codes_expire_after_five_minutes(urls, sandbox_reset):
    params, verifier = authorize_params()
    code = redirected(consent(urls, sandbox_reset, params))["code"]
    sandbox_reset.clock.advance(minutes=6)
    assert exchange(urls, code, verifier).json() == {"error": "invalid_grant"}


def test_client_authentication(urls, sandbox_reset):
    params, verifier = authorize_params()
    code = redirected(consent(urls, sandbox_reset, params))["code"]
    bad = requests.post(
        urls["token"],
        data={"grant_type": "authorization_code", "code": code},
        auth=("sandbox-client", "wrong"),
        timeout=10,
    )
    assert bad.status_code == 401 and bad.json() == {"error": "invalid_client"}
    in_body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": SANDBOX_REDIRECT_URI,
        "code_verifier": verifier,
        "client_id": "sandbox-client",
        "client_secret": "sandbox-secret",
    }
    assert requests.post(urls["token"], data=in_body, timeout=10).status_code == 200
    odd = requests.post(
        urls["token"], data={"grant_type": "password"}, auth=SANDBOX_CLIENT, timeout=10
    )
    assert odd.status_code == 400 and odd.json() == {"error": "unsupported_grant_type"}


def test_refresh_rotates_with_a_thirty_minute_grace(urls, sandbox_reset, live_server):
    tokens = obtain_tokens(urls["base"])
    first = refresh(urls, tokens.refresh_token).json()
    assert first["refresh_token"] != tokens.refresh_token
    assert first["access_token"] != tokens.access_token
    sandbox_reset.clock.advance(minutes=20)  # the answer was "lost": the old token still works
    second = refresh(urls, tokens.refresh_token).json()
    assert second["refresh_token"] not in (first["refresh_token"], tokens.refresh_token)
    sandbox_reset.clock.advance(minutes=11)  # 31 minutes after its first use
    late = refresh(urls, tokens.refresh_token)
    assert late.status_code == 400 and late.json() == {"error": "invalid_grant"}
    newest = refresh(urls, second["refresh_token"])
    assert newest.status_code == 200
    api = Api(live_server.sandbox_url, tokens)
    assert_problem(api.get("Organisation", spec=False), 401, "TokenExpired: token expired at")
    api.tokens.access_token = newest.json()["access_token"]
    assert api.get("Organisation").status_code == 200


def test_access_tokens_live_thirty_minutes(urls, sandbox_reset, live_server):
    tokens = obtain_tokens(urls["base"])
    api = Api(live_server.sandbox_url, tokens)
    sandbox_reset.clock.advance(minutes=29, seconds=50)
    assert api.get("Organisation").status_code == 200
    sandbox_reset.clock.advance(seconds=15)
    assert api.get("Organisation", spec=False).status_code == 401


def test_revocation_kills_the_grant(urls, sandbox_reset, live_server):
    tokens = obtain_tokens(urls["base"])
    revoked = requests.post(
        urls["revoke"], data={"token": tokens.refresh_token}, auth=SANDBOX_CLIENT, timeout=10
    )
    assert revoked.status_code == 200
    assert refresh(urls, tokens.refresh_token).json() == {"error": "invalid_grant"}
    api = Api(live_server.sandbox_url, tokens)
    assert_problem(api.get("Organisation", spec=False), 401, "AuthenticationUnsuccessful")
    unknown = requests.post(urls["revoke"], data={"token": "nope"}, auth=SANDBOX_CLIENT, timeout=10)
    assert unknown.status_code == 200
    anonymous = requests.post(urls["revoke"], data={"token": "nope"}, timeout=10)
    assert anonymous.status_code == 401


def test_no_refresh_token_without_offline_access(urls, sandbox_reset):
    params, verifier = authorize_params(scope="accounting.contacts.read")
    code = redirected(consent(urls, sandbox_reset, params))["code"]
    body = exchange(urls, code, verifier).json()
    assert "refresh_token" not in body and body["access_token"]


def test_scopes_are_enforced(urls, sandbox_reset, live_server):
    tokens = obtain_tokens(urls["base"], scope="offline_access accounting.contacts.read")
    api = Api(live_server.sandbox_url, tokens)
    assert api.get("Contacts").status_code == 200
    # Xero answers a missing scope with 401 (not 403), Detail AuthorizationUnsuccessful
    assert_problem(api.get("Invoices", spec=False), 401, "AuthorizationUnsuccessful")
    assert_problem(api.get("CreditNotes", spec=False), 401, "AuthorizationUnsuccessful")
    refused = api.put("Contacts", {"Name": "Read Only Ltd"}, spec=False)
    assert_problem(refused, 401, "AuthorizationUnsuccessful")


def test_only_token_hashes_are_stored(urls, sandbox_reset):
    tokens = obtain_tokens(urls["base"])
    with sandbox_reset.sessions() as session:
        stored = set(session.scalars(select(Token.token_hash)))
    assert tokens.access_token not in stored and tokens.refresh_token not in stored
    assert hashlib.sha256(tokens.access_token.encode()).hexdigest() in stored


def test_a_revoked_connection_fault_refuses_refresh_and_calls(urls, sandbox_reset, live_server):
    tokens = obtain_tokens(urls["base"])
    sandbox_reset.faults.set("Demo Company (NZ)", revoked=True)
    assert refresh(urls, tokens.refresh_token).json() == {"error": "invalid_grant"}
    api = Api(live_server.sandbox_url, tokens)
    assert_problem(api.get("Organisation", spec=False), 403, "AuthenticationUnsuccessful")
    sandbox_reset.faults.clear("Demo Company (NZ)")
    assert refresh(urls, tokens.refresh_token).status_code == 200
