"""The OAuth flow against the sandbox over HTTP: consent with PKCE, code exchange, connections,
refresh-token rotation, revocation, disconnecting, and the client's transparent refresh."""

import secrets
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from widget.xero import (
    XeroClient,
    XeroNeedsReauthorisation,
    XeroNotFound,
)

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")

REDIRECT_URI = "http://127.0.0.1:9/xero/callback"
NZ, UK = "Demo Company (NZ)", "Demo Company (UK)"


class _Organisations(HTMLParser):
    """The organisations the consent page offers: {label text: tenant id}."""

    def __init__(self):
        super().__init__()
        self.offered: dict[str, str] = {}
        self._tenant: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self._tenant, self._text = None, []
        elif tag == "input" and attrs.get("name") == "tenant":
            self._tenant = attrs.get("value")

    def handle_data(self, data):
        self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "label" and self._tenant:
            self.offered[" ".join("".join(self._text).split())] = self._tenant


def consent(oauth, org_names=(NZ,)) -> tuple[str, str]:
    """Play the admin on Xero's consent page: (code, code_verifier)."""
    state = secrets.token_urlsafe(12)
    url, verifier = oauth.authorization_url(REDIRECT_URI, state)
    page = requests.get(url, timeout=5)
    assert page.status_code == 200
    parser = _Organisations()
    parser.feed(page.text)
    tenants = [
        next(tenant for label, tenant in parser.offered.items() if name in label)
        for name in org_names
    ]
    form = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    form |= {"tenant": tenants, "action": "allow"}
    answer = requests.post(url.split("?")[0], data=form, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    back = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert back["state"] == [state]
    return back["code"][0], verifier


def client_for(endpoints, spec_check, tenant_id, tokens, **options) -> XeroClient:
    return XeroClient(
        endpoints, tenant_id, lambda: tokens.access_token, session=spec_check.session, **options
    )


def test_consent_exchange_and_connections(oauth, endpoints, spec_check, sandbox_reset):
    code, verifier = consent(oauth, (NZ, UK))
    tokens = oauth.exchange_code(code, REDIRECT_URI, verifier)
    assert tokens.access_token and tokens.refresh_token
    assert {"offline_access", "accounting.contacts"} <= tokens.scopes
    assert timedelta(minutes=29) < tokens.expires_at - datetime.now(UTC) <= timedelta(minutes=30)

    connections = oauth.connections(tokens.access_token)
    assert sorted(c.tenant_name for c in connections) == [NZ, UK]
    assert all(c.tenant_type == "ORGANISATION" and c.id != c.tenant_id for c in connections)
    assert all(isinstance(c.created_at, datetime) for c in connections)
    for connection in connections:
        org = client_for(endpoints, spec_check, connection.tenant_id, tokens).organisation()
        assert org.name == connection.tenant_name
    assert spec_check.checked == 3  # /connections and two /Organisation calls

    with pytest.raises(XeroNeedsReauthorisation):  # a code works once
        oauth.exchange_code(code, REDIRECT_URI, verifier)


def test_a_wrong_code_verifier_is_refused(oauth, sandbox_reset):
    code, _ = consent(oauth)
    with pytest.raises(XeroNeedsReauthorisation):
        oauth.exchange_code(code, REDIRECT_URI, "x" * 64)


def test_refresh_rotates_the_refresh_token(oauth, endpoints, spec_check, sandbox_reset):
    code, verifier = consent(oauth)
    first = oauth.exchange_code(code, REDIRECT_URI, verifier)
    second = oauth.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    third = oauth.refresh(second.refresh_token)
    tenant = oauth.connections(third.access_token)[0].tenant_id
    assert client_for(endpoints, spec_check, tenant, third).currencies()
    # a used refresh token lasts a grace period (Xero: 30 minutes), then it is dead
    sandbox_reset.clock.offset += timedelta(minutes=31)
    with pytest.raises(XeroNeedsReauthorisation):
        oauth.refresh(first.refresh_token)
    assert oauth.refresh(third.refresh_token).access_token


def test_revoke_ends_the_grant(oauth, endpoints, spec_check, sandbox_reset):
    code, verifier = consent(oauth)
    tokens = oauth.exchange_code(code, REDIRECT_URI, verifier)
    tenant = oauth.connections(tokens.access_token)[0].tenant_id
    oauth.revoke(tokens.refresh_token)
    with pytest.raises(XeroNeedsReauthorisation):
        oauth.refresh(tokens.refresh_token)
    with pytest.raises(XeroNeedsReauthorisation):
        client_for(endpoints, spec_check, tenant, tokens).organisation()
    assert spec_check.requests_only == 1  # the 401, which Xero's spec does not describe


def test_delete_connection_disconnects_one_organisation(
    oauth, endpoints, spec_check, sandbox_reset
):
    code, verifier = consent(oauth, (NZ, UK))
    tokens = oauth.exchange_code(code, REDIRECT_URI, verifier)
    connections = {c.tenant_name: c for c in oauth.connections(tokens.access_token)}
    oauth.delete_connection(tokens.access_token, connections[UK].id)
    assert [c.tenant_name for c in oauth.connections(tokens.access_token)] == [NZ]
    with pytest.raises(XeroNeedsReauthorisation):  # 403 AuthenticationUnsuccessful
        client_for(endpoints, spec_check, connections[UK].tenant_id, tokens).organisation()
    assert client_for(endpoints, spec_check, connections[NZ].tenant_id, tokens).organisation()
    with pytest.raises(XeroNotFound):
        oauth.delete_connection(tokens.access_token, connections[UK].id)
    assert spec_check.validated == 6


def test_an_expired_access_token_is_refreshed_once_transparently(
    oauth, endpoints, spec_check, sandbox_reset
):
    code, verifier = consent(oauth)
    store = {"tokens": oauth.exchange_code(code, REDIRECT_URI, verifier)}
    tenant = oauth.connections(store["tokens"].access_token)[0].tenant_id
    refreshed = []

    def refresh() -> str:
        store["tokens"] = oauth.refresh(store["tokens"].refresh_token)
        refreshed.append(store["tokens"])
        return store["tokens"].access_token

    client = XeroClient(
        endpoints,
        tenant,
        lambda: store["tokens"].access_token,
        refresh_access_token=refresh,
        session=spec_check.session,
    )
    sandbox_reset.clock.offset += timedelta(minutes=31)  # the access token has expired
    assert client.organisation().name == NZ
    assert len(refreshed) == 1
    assert client.currencies()  # the new token is used from now on
    assert len(refreshed) == 1
    assert spec_check.requests_only == 1 and spec_check.checked == 3


def test_an_expired_token_without_a_refresher_needs_reauthorisation(
    endpoints, spec_check, sandbox_token, sandbox_reset
):
    sandbox_reset.clock.offset += timedelta(minutes=31)
    client = client_for(endpoints, spec_check, sandbox_token.tenant_id, sandbox_token)
    with pytest.raises(XeroNeedsReauthorisation, match="TokenExpired"):
        client.organisation()
