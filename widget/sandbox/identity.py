"""Xero's identity service: consent page, token, revocation and connections."""

import base64
import binascii
import hmac
import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from flask import Response, redirect, render_template, request

from widget.sandbox.bearer import current_grant
from widget.sandbox.blueprint import API, IDENTITY, LOGIN, bp, sandbox
from widget.sandbox.grants import KNOWN_SCOPES
from widget.sandbox.problems import not_found, oauth_error
from widget.sandbox.serialise import json_response

_CHALLENGE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")


@dataclass(frozen=True)
class AuthorizeRequest:
    client_id: str
    redirect_uri: str
    response_type: str
    scope: str
    state: str
    code_challenge: str
    code_challenge_method: str

    @classmethod
    def from_values(cls, values) -> "AuthorizeRequest":
        return cls(**{name: (values.get(name) or "").strip() for name in cls.__dataclass_fields__})

    def problem(self) -> str | None:
        """The OAuth error to redirect with, if any (client and redirect checked before)."""
        if self.response_type != "code":
            return "unsupported_response_type"
        scopes = self.scope.split()
        if not scopes or not set(scopes) <= KNOWN_SCOPES:
            return "invalid_scope"
        if len(self.state) > 2000:
            return "invalid_request"
        if self.code_challenge:
            method_ok = self.code_challenge_method == "S256"
            if not method_ok or not _CHALLENGE.match(self.code_challenge):
                return "invalid_request"
        elif self.code_challenge_method:
            return "invalid_request"
        return None

    def back(self, **params: str) -> Response:
        if self.state:
            params["state"] = self.state
        separator = "&" if urlsplit(self.redirect_uri).query else "?"
        return redirect(f"{self.redirect_uri}{separator}{urlencode(params)}", code=302)


def _client_problem(auth: AuthorizeRequest) -> str | None:
    if auth.client_id != sandbox().config.get("SANDBOX_CLIENT_ID", "sandbox-client"):
        return (
            f"Unknown client_id '{auth.client_id}'." if auth.client_id else "client_id is missing."
        )
    parts = urlsplit(auth.redirect_uri)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
        return "redirect_uri is missing or not an absolute http(s) URL without a fragment."
    return None


def _page(auth: AuthorizeRequest, error: str | None = None, status: int = 200):
    orgs = sandbox().organisations()
    html = render_template("sandbox/authorize.html", auth=auth, orgs=orgs, error=error)
    return html, status


@bp.get(f"{LOGIN}/authorize")
def authorize_page():
    auth = AuthorizeRequest.from_values(request.args)
    client_problem = _client_problem(auth)
    if client_problem:
        return render_template("sandbox/authorize_error.html", message=client_problem), 400
    problem = auth.problem()
    return auth.back(error=problem) if problem else _page(auth)


@bp.post(f"{LOGIN}/authorize")
def authorize_submit():
    auth = AuthorizeRequest.from_values(request.form)
    client_problem = _client_problem(auth)
    if client_problem:
        return render_template("sandbox/authorize_error.html", message=client_problem), 400
    problem = auth.problem()
    if problem:
        return auth.back(error=problem)
    if request.form.get("action") != "allow":
        return auth.back(error="access_denied")
    known = {org.tenant_id for org in sandbox().organisations()}
    picked = [tenant for tenant in request.form.getlist("tenant") if tenant in known]
    if not picked:
        return _page(auth, "Pick at least one organisation to connect.", 400)
    code = sandbox().grants.create_code(
        auth.client_id, auth.redirect_uri, auth.scope, auth.code_challenge, picked
    )
    return auth.back(code=code)


def client_id_or_401() -> str:
    """The calling app, by HTTP Basic or client_id/client_secret in the form; else 401."""
    client_id = request.form.get("client_id", "")
    secret = request.form.get("client_secret", "")
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise oauth_error("invalid_client", 401) from None
    config = sandbox().config
    # as bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500)
    expected_id = config.get("SANDBOX_CLIENT_ID", "sandbox-client")
    expected_secret = config.get("SANDBOX_CLIENT_SECRET", "sandbox-secret")
    good_id = hmac.compare_digest(client_id.encode(), expected_id.encode())
    good_secret = hmac.compare_digest(secret.encode(), expected_secret.encode())
    if not (good_id and good_secret):
        raise oauth_error("invalid_client", 401)
    return client_id


@bp.post(f"{IDENTITY}/token")
def token():
    client_id = client_id_or_401()
    grant_type = request.form.get("grant_type", "")
    grants = sandbox().grants
    if grant_type == "authorization_code":
        tokens = grants.exchange_code(
            request.form.get("code", ""),
            client_id,
            request.form.get("redirect_uri", ""),
            request.form.get("code_verifier", ""),
        )
    elif grant_type == "refresh_token":
        tokens = grants.refresh(request.form.get("refresh_token", ""), client_id)
    else:
        raise oauth_error("unsupported_grant_type")
    return json_response(tokens.response(), headers={"Cache-Control": "no-store"})


@bp.post(f"{IDENTITY}/revocation")
def revocation():
    client_id = client_id_or_401()
    if not request.form.get("token"):
        raise oauth_error("invalid_request")
    sandbox().grants.revoke(request.form["token"], client_id)
    return Response(status=200)


def _utc(moment) -> str:
    """Xero's 7-digit fraction; with the "Z" the spec's date-time format requires (real Xero
    leaves the zone out)."""
    return moment.isoformat(timespec="microseconds") + "0Z"


def _connection_json(row, names: dict[str, str]) -> dict:
    return {
        "id": row.connection_id,
        "authEventId": row.grant_id,
        "tenantId": row.tenant_id,
        "tenantType": "ORGANISATION",
        "tenantName": names.get(row.tenant_id, ""),
        "createdDateUtc": _utc(row.created_at),
        "updatedDateUtc": _utc(row.updated_at),
    }


@bp.get(f"{API}/connections")
@bp.get(f"{API}/Connections")
def connections():
    grant = current_grant()
    names = {org.tenant_id: org.name for org in sandbox().organisations()}
    rows = sandbox().grants.connections(grant.grant_id)
    wanted = request.args.get("authEventId")
    rows = [row for row in rows if not wanted or row.grant_id == wanted]
    return json_response([_connection_json(row, names) for row in rows])


@bp.delete(f"{API}/connections/<connection_id>")
@bp.delete(f"{API}/Connections/<connection_id>")
def delete_connection(connection_id: str):
    grant = current_grant()
    if not sandbox().grants.delete_connection(grant.grant_id, connection_id):
        raise not_found()
    return Response(status=204)
