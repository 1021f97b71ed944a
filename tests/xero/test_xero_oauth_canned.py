"""The OAuth flow against canned identity answers: what authlib sends, and what comes back."""

import base64
import hashlib
import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.xero import samples
from tests.xero.canned import ENDPOINTS, Canned, CannedAdapter, session_with
from widget.xero import (
    TokenSet,
    XeroNeedsReauthorisation,
    XeroNotFound,
    XeroOAuth,
    XeroRateLimited,
    XeroRequestError,
    XeroUnavailable,
)

SCOPES = "offline_access openid accounting.contacts"
TOKENS = {
    "access_token": "eyJ.access.one",
    "refresh_token": "refresh-one",
    "expires_in": 1800,
    "token_type": "Bearer",
    "scope": SCOPES,
    "id_token": "eyJ.id.one",
}


def make(*replies, timeout=2.0):
    adapter = CannedAdapter(*replies)
    oauth = XeroOAuth(
        ENDPOINTS, "client-1", "secret-1", SCOPES, timeout=timeout, session=session_with(adapter)
    )
    return oauth, adapter


def form(sent) -> dict:
    return {k: v[0] for k, v in parse_qs(sent.body.decode()).items()}


def basic(sent) -> tuple[str, str]:
    scheme, _, value = sent.headers["Authorization"].partition(" ")
    assert scheme == "Basic"
    return tuple(base64.b64decode(value).decode().split(":", 1))


def test_authorization_url_uses_pkce_s256_with_a_fresh_verifier_each_time():
    oauth, adapter = make()
    url, verifier = oauth.authorization_url("https://widget.test/callback", "state-123")
    _, verifier_2 = oauth.authorization_url("https://widget.test/callback", "state-123")
    assert verifier != verifier_2 and 43 <= len(verifier) <= 128
    assert url.startswith(ENDPOINTS.authorize_url + "?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    assert params == {
        "response_type": "code",
        "client_id": "client-1",
        "redirect_uri": "https://widget.test/callback",
        "scope": SCOPES,
        "state": "state-123",
        "code_challenge": challenge.decode(),
        "code_challenge_method": "S256",
    }
    assert adapter.sent == []  # building the URL calls nothing


def test_exchange_code_sends_the_verifier_with_basic_auth():
    oauth, adapter = make(Canned(200, TOKENS))
    before = datetime.now(UTC)
    tokens = oauth.exchange_code("code-1", "https://widget.test/callback", "verifier-1")
    (sent,) = adapter.sent
    assert sent.url == ENDPOINTS.token_url and sent.method == "POST"
    assert basic(sent) == ("client-1", "secret-1")
    assert form(sent) == {
        "grant_type": "authorization_code",
        "code": "code-1",
        "redirect_uri": "https://widget.test/callback",
        "code_verifier": "verifier-1",
    }
    assert sent.timeout == (2.0, 2.0)
    assert tokens.access_token == "eyJ.access.one" and tokens.refresh_token == "refresh-one"
    assert tokens.id_token == "eyJ.id.one" and tokens.scope == SCOPES
    assert (
        before + timedelta(seconds=1795)
        < tokens.expires_at
        <= datetime.now(UTC) + timedelta(seconds=1800)
    )
    assert "eyJ" not in repr(tokens) and "refresh-one" not in repr(tokens)


def test_refresh_returns_the_rotated_refresh_token():
    oauth, adapter = make(
        Canned(200, {**TOKENS, "access_token": "a2", "refresh_token": "refresh-two"})
    )
    tokens = oauth.refresh("refresh-one")
    assert form(adapter.sent[0]) == {"grant_type": "refresh_token", "refresh_token": "refresh-one"}
    assert basic(adapter.sent[0]) == ("client-1", "secret-1")
    assert (tokens.access_token, tokens.refresh_token) == ("a2", "refresh-two")


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Canned(400, {"error": "invalid_grant"}), XeroNeedsReauthorisation),
        (Canned(400, {"error": "invalid_client"}), XeroRequestError),
        (Canned(500, "oops", {"Content-Type": "text/plain"}), XeroUnavailable),
        (
            Canned(429, "slow down", {"Content-Type": "text/plain", "Retry-After": "5"}),
            XeroRateLimited,
        ),
        (Canned(raises=requests.ConnectTimeout("no route")), XeroUnavailable),
    ],
)
def test_refresh_failures(reply, expected):
    oauth, _ = make(reply)
    with pytest.raises(expected) as caught:
        oauth.refresh("refresh-secret")
    assert "refresh-secret" not in str(caught.value)


def test_a_refresh_answer_without_a_new_refresh_token_keeps_the_old_one():
    # RFC 6749 §6 allows it; Xero always rotates, but the old token stays the right one to keep
    oauth, _ = make(Canned(200, {"access_token": "a2", "expires_in": 1800}))
    assert oauth.refresh("refresh-one").refresh_token == "refresh-one"


def test_an_exchange_without_a_refresh_token_is_a_configuration_error():
    oauth, _ = make(Canned(200, {"access_token": "a", "expires_in": 1800}))
    with pytest.raises(XeroRequestError, match="offline_access"):
        oauth.exchange_code("code", "https://widget.test/cb", "v")


def test_revoke_posts_the_refresh_token():
    oauth, adapter = make(
        Canned(200, None),
        Canned(400, {"error": "unsupported_token_type"}),
        Canned(401, {"error": "invalid_client"}),  # our credentials: not the admin's to fix
        Canned(503, "down", {"Content-Type": "text/plain"}),
    )
    assert oauth.revoke("refresh-one") is None
    assert adapter.sent[0].url == ENDPOINTS.revocation_url
    assert form(adapter.sent[0]) == {"token": "refresh-one"}
    assert basic(adapter.sent[0]) == ("client-1", "secret-1")
    with pytest.raises(XeroRequestError):
        oauth.revoke("refresh-one")
    with pytest.raises(XeroRequestError, match="invalid_client"):
        oauth.revoke("refresh-one")
    with pytest.raises(XeroUnavailable):
        oauth.revoke("refresh-one")


def test_connections_and_delete_connection():
    connection_id = "7cb59f93-2964-421d-bb5e-a0f7a4572a44"
    oauth, adapter = make(Canned(200, samples.CONNECTIONS), Canned(204, None), Canned(404, None))
    (connection,) = oauth.connections("access-1")
    assert connection.tenant_name == "Demo Company (NZ)"
    assert adapter.sent[0].headers["Authorization"] == "Bearer access-1"
    assert adapter.sent[0].url == ENDPOINTS.connections_url
    oauth.delete_connection("access-1", connection_id)
    assert adapter.sent[1].method == "DELETE"
    assert adapter.sent[1].url == f"{ENDPOINTS.connections_url}/{connection_id}"
    with pytest.raises(XeroNotFound):
        oauth.delete_connection("access-1", connection_id)
    with pytest.raises(ValueError):
        oauth.delete_connection("access-1", "../../x")


def test_connections_with_a_dead_token():
    oauth, _ = make(Canned(401, samples.TOKEN_EXPIRED))
    with pytest.raises(XeroNeedsReauthorisation):
        oauth.connections("old")


def test_token_calls_log_one_line_each_without_secrets(caplog):
    caplog.set_level(logging.INFO, logger="widget.xero")
    oauth, _ = make(Canned(200, TOKENS), Canned(400, {"error": "invalid_grant"}))
    oauth.exchange_code("code-1", "https://widget.test/cb", "verifier-1")
    with pytest.raises(XeroNeedsReauthorisation):
        oauth.refresh("refresh-one")
    lines = [r.fields for r in caplog.records if r.getMessage() == "xero call"]
    assert [(f["xero_path"], f["xero_status"]) for f in lines] == [
        ("/identity.xero.com/connect/token", 200),
        ("/identity.xero.com/connect/token", 400),
    ]
    assert lines[1]["xero_error"] == "invalid_grant"
    for secret in ("eyJ", "refresh-one", "verifier-1", "code-1", "secret-1"):
        assert secret not in caplog.text and secret not in str(lines)


def test_token_set_storage_round_trip_and_expiry():
    tokens = TokenSet.from_token_response(TOKENS)
    again = TokenSet.from_dict(tokens.to_dict())
    assert again == tokens
    assert not tokens.expires_within(60) and tokens.expires_within(1801)
    assert tokens.scopes == frozenset(SCOPES.split())
    with pytest.raises(ValueError):
        TokenSet("a", "r", datetime(2026, 1, 1), "")  # naive times are refused


def test_endpoints_from_config():
    from widget.xero import XeroEndpoints

    sandbox = XeroEndpoints.from_config(
        {"XERO_USE_SANDBOX": True, "XERO_SANDBOX_URL": None}, "http://127.0.0.1:5000/"
    )
    assert sandbox.token_url == "http://127.0.0.1:5000/sandbox/xero/identity.xero.com/connect/token"
    assert sandbox.api_url == "http://127.0.0.1:5000/sandbox/xero/api.xero.com/api.xro/2.0"
    real = XeroEndpoints.from_config({"XERO_USE_SANDBOX": False})
    assert real.authorize_url == "https://login.xero.com/identity/connect/authorize"
    assert real.revocation_url == "https://identity.xero.com/connect/revocation"
    assert real.connections_url == "https://api.xero.com/connections"
