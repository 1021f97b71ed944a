"""Fixtures for the Xero client against the sandbox on the live server (a real loopback socket).

Every exchange with Xero's API hosts goes through a requests response hook that validates the
request and the response against Xero's OpenAPI spec (tests/xero_spec.py). Statuses the spec does
not document (401, 403, 404, 429, 5xx) still have their request validated. Token and revocation
calls have no spec and are only counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import requests
from openapi_core.templating.responses.exceptions import ResponseNotFound

from tests.xero_spec import validate_exchange, validate_request
from widget.xero import MemoryLimitRecorder, XeroClient, XeroEndpoints, XeroOAuth
from widget.xero.http import make_session

SPEC_HOSTS = ("/api.xero.com/",)


@dataclass
class SpecCheck:
    """Counts and validates exchanges seen by `session`."""

    session: requests.Session
    checked: int = 0  # request and response validated
    requests_only: int = 0  # undocumented status: the request validated
    unchecked: int = 0  # identity calls, which Xero's spec does not describe
    failures: list[str] = field(default_factory=list)

    def hook(self, response: requests.Response, *args, **kwargs) -> None:
        if not any(host in response.request.url for host in SPEC_HOSTS):
            self.unchecked += 1
            return
        try:
            try:
                validate_exchange(response)
                self.checked += 1
            except ResponseNotFound:
                sent = response.request
                validate_request(sent.method, sent.url, sent.headers, sent.body)
                self.requests_only += 1
        except Exception as exc:
            self.failures.append(f"{response.request.method} {response.request.url}: {exc}")
            raise

    @property
    def validated(self) -> int:
        return self.checked + self.requests_only


@pytest.fixture
def spec_check(xero_spec):
    session = make_session()
    check = SpecCheck(session)
    session.hooks["response"].append(check.hook)
    yield check
    assert check.failures == [], "exchanges that do not fit Xero's spec"


@pytest.fixture
def endpoints(live_server) -> XeroEndpoints:
    return XeroEndpoints.from_config(live_server.app.config)


@pytest.fixture
def oauth(live_server, spec_check) -> XeroOAuth:
    return XeroOAuth.from_config(live_server.app.config, session=spec_check.session)


@pytest.fixture
def recorder() -> MemoryLimitRecorder:
    return MemoryLimitRecorder()


@pytest.fixture
def xero(endpoints, sandbox_token, spec_check, recorder) -> XeroClient:
    """A client for Demo Company (NZ) with a fresh grant, checked against the spec."""
    return XeroClient(
        endpoints,
        sandbox_token.tenant_id,
        lambda: sandbox_token.access_token,
        timeout=5,
        session=spec_check.session,
        recorder=recorder,
    )
