"""Xero's OAuth 2.0 authorisation-code flow with PKCE, via authlib, plus the connections API.

authlib's OAuth2Session builds the authorize URL (S256 challenge), the code exchange, refresh and
revocation requests; we add the timeout, the User-Agent, the log line and Xero's error meanings.
One OAuth2Session is shared, so token calls hold a lock: authlib keeps the last token on it.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from widget.xero import http
from widget.xero.endpoints import XeroEndpoints
from widget.xero.errors import (
    XeroError,
    XeroNeedsReauthorisation,
    XeroRequestError,
    XeroUnavailable,
)
from widget.xero.responses import body_of, error_for
from widget.xero.tokens import Connection, TokenSet

CODE_VERIFIER_LENGTH = 64  # RFC 7636: 43 to 128 characters
_R = TypeVar("_R")


def _oauth_session(
    client_id: str, client_secret: str, timeout: float, transport: requests.Session
) -> OAuth2Session:
    """authlib's session for token calls, riding on `transport`'s adapters, headers and hooks
    (so instrumentation mounted on the caller's session sees these calls too)."""
    session = OAuth2Session(
        client_id=client_id,
        client_secret=client_secret,
        token_endpoint_auth_method="client_secret_basic",
        revocation_endpoint_auth_method="client_secret_basic",
        code_challenge_method="S256",
        default_timeout=(timeout, timeout),
    )
    for prefix, adapter in transport.adapters.items():
        session.mount(prefix, adapter)
    session.headers.update(transport.headers)
    session.hooks = {event: list(hooks) for event, hooks in transport.hooks.items()}
    return session


class XeroOAuth:
    def __init__(
        self,
        endpoints: XeroEndpoints,
        client_id: str,
        client_secret: str,
        scopes: str,
        *,
        timeout: float = 10,
        session: requests.Session | None = None,
    ):
        self.endpoints = endpoints
        self.scopes = scopes
        self.timeout = timeout
        self._http = session if session is not None else http.make_session()
        self._oauth = _oauth_session(client_id, client_secret, timeout, self._http)
        self._oauth.register_compliance_hook("access_token_response", self._seen)
        self._oauth.register_compliance_hook("refresh_token_response", self._seen)
        self._lock = threading.Lock()
        self._last_status: int | None = None

    @classmethod
    def from_config(
        cls,
        config: Mapping,
        request_root: str | None = None,
        *,
        session: requests.Session | None = None,
    ) -> XeroOAuth:
        return cls(
            XeroEndpoints.from_config(config, request_root),
            config["XERO_CLIENT_ID"],
            config["XERO_CLIENT_SECRET"],
            config["XERO_SCOPES"],
            timeout=float(config.get("XERO_TIMEOUT_SECONDS", 10)),
            session=session,
        )

    def authorization_url(self, redirect_uri: str, state: str) -> tuple[str, str]:
        """Xero's consent URL and the PKCE code_verifier the caller keeps for `exchange_code`."""
        code_verifier = generate_token(CODE_VERIFIER_LENGTH)
        url, _ = self._oauth.create_authorization_url(
            self.endpoints.authorize_url,
            state=state,
            code_verifier=code_verifier,
            redirect_uri=redirect_uri,
            scope=self.scopes,
        )
        return url, code_verifier

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenSet:
        token = self._token_call(
            lambda: self._oauth.fetch_token(
                self.endpoints.token_url,
                grant_type="authorization_code",
                code=code,
                redirect_uri=redirect_uri,
                code_verifier=code_verifier,
            ),
            self.endpoints.token_url,
        )
        return self._token_set(token)

    def refresh(self, refresh_token: str) -> TokenSet:
        """New tokens (Xero rotates the refresh token: store the returned one). A dead refresh
        token raises XeroNeedsReauthorisation."""
        token = self._token_call(
            lambda: self._oauth.refresh_token(
                self.endpoints.token_url, refresh_token=refresh_token
            ),
            self.endpoints.token_url,
        )
        return self._token_set(token)

    def revoke(self, refresh_token: str) -> None:
        """Revoke the refresh token (and with it the connection's access) at Xero."""
        response = self._token_call(
            lambda: self._seen(
                self._oauth.revoke_token(self.endpoints.revocation_url, token=refresh_token)
            ),
            self.endpoints.revocation_url,
        )
        if not response.ok:
            body = body_of(response)
            if isinstance(body, dict) and body.get("error"):  # an OAuth error, e.g. invalid_client
                raise _oauth_error(OAuthError(error=body["error"]))
            raise error_for(response, body)

    def connections(self, access_token: str) -> list[Connection]:
        response = self._bearer_call("GET", self.endpoints.connections_url, access_token)
        body = body_of(response)
        if not isinstance(body, list):
            raise XeroUnavailable(
                "Xero sent connections we could not read", status=response.status_code
            )
        return [Connection.from_json(entry) for entry in body]

    def delete_connection(self, access_token: str, connection_id: str) -> None:
        """Disconnect one organisation: `connection_id` is the Connection.id, not the tenant id."""
        connection_id = str(uuid.UUID(connection_id))
        url = f"{self.endpoints.connections_url}/{connection_id}"
        self._bearer_call("DELETE", url, access_token)

    def _bearer_call(self, method: str, url: str, access_token: str) -> requests.Response:
        response = http.send(
            self._http,
            method,
            url,
            timeout=self.timeout,
            headers={"Authorization": f"Bearer {access_token}"},
        )
        if not response.ok:
            raise error_for(response, body_of(response))
        return response

    def _seen(self, response: requests.Response) -> requests.Response:
        self._last_status = response.status_code
        return response

    def _token_call(self, call: Callable[[], _R], url: str) -> _R:
        """Run one authlib token-endpoint call: one log line, Xero's failures as our exceptions."""
        with self._lock:
            started = time.perf_counter()
            self._last_status = None
            error = None
            try:
                return call()
            except OAuthError as exc:
                error = exc.error
                raise _oauth_error(exc) from None
            except requests.HTTPError as exc:
                self._last_status = exc.response.status_code
                raise error_for(exc.response, body_of(exc.response)) from None
            except requests.Timeout as exc:
                error = "timeout"
                raise XeroUnavailable(f"Xero did not answer within {self.timeout:g}s") from exc
            except requests.RequestException as exc:
                error = type(exc).__name__
                raise XeroUnavailable(f"could not reach Xero ({error})") from exc
            except ValueError as exc:  # a token endpoint answer that is not a JSON object
                error = "unreadable answer"
                raise XeroUnavailable("Xero's token endpoint sent an unreadable answer") from exc
            finally:
                http.log_call("POST", url, self._last_status, started, None, error)
                self._oauth.token = None  # never keep a token on the shared session

    def _token_set(self, token: Mapping[str, Any]) -> TokenSet:
        if not token.get("access_token"):
            raise XeroUnavailable("Xero's token endpoint sent no access token")
        if not token.get("refresh_token"):
            raise XeroRequestError("Xero sent no refresh token: is offline_access in XERO_SCOPES?")
        return TokenSet.from_token_response(token)


def _oauth_error(exc: OAuthError) -> XeroError:
    if exc.error == "invalid_grant":
        return XeroNeedsReauthorisation("Xero refused the grant (invalid_grant): connect again")
    return XeroRequestError(f"Xero's token endpoint refused the request: {exc.error}")
