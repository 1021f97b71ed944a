"""A served app whose sandbox counts, per organisation, how many Accounting calls it is answering
at once (what Xero's concurrent limit counts), and governed clients for its organisations."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

from tests.conftest import LiveServer, SandboxTokens, make_test_app, obtain_tokens, serve
from tests.contact.support import OffsetClock
from widget.xero import XeroClient, XeroEndpoints
from widget.xero.governor import Governor, GovernorSettings
from widget.xero.governor_store import MemoryGovernorStore

NZ = "Demo Company (NZ)"
UK = "Demo Company (UK)"
API_PREFIX = "/sandbox/xero/api.xero.com/api.xro/2.0/"


class InFlightMeter:
    """WSGI middleware: calls the sandbox is answering per tenant, the peak, and every status."""

    def __init__(self, app):
        self.app = app
        self._lock = threading.Lock()
        self.current: dict[str, int] = {}
        self.peak: dict[str, int] = {}
        self.statuses: list[tuple[str, int]] = []

    def reset(self) -> None:
        with self._lock:
            self.peak.clear()
            self.statuses.clear()

    def __call__(self, environ, start_response):
        if not environ.get("PATH_INFO", "").startswith(API_PREFIX):
            return self.app(environ, start_response)
        tenant = environ.get("HTTP_XERO_TENANT_ID", "").lower()
        with self._lock:
            self.current[tenant] = self.current.get(tenant, 0) + 1
            self.peak[tenant] = max(self.peak.get(tenant, 0), self.current[tenant])

        def recording(status, headers, exc_info=None):
            with self._lock:
                self.statuses.append((tenant, int(status.split()[0])))
            return start_response(status, headers, exc_info)

        try:
            body = self.app(environ, recording)
            try:
                return list(body)
            finally:
                getattr(body, "close", lambda: None)()
        finally:
            with self._lock:
                self.current[tenant] -= 1

    def calls(self, tenant_id: str) -> list[int]:
        with self._lock:
            return [status for tenant, status in self.statuses if tenant == tenant_id.lower()]


@dataclass
class GovernedSandbox:
    live: LiveServer
    meter: InFlightMeter
    tokens: SandboxTokens

    @property
    def sandbox(self):
        return self.live.app.extensions["sandbox"]

    def tenant(self, org: str) -> str:
        return self.tokens.tenants[org]

    def client(self, org: str, governor: Governor | None, **options) -> XeroClient:
        endpoints = XeroEndpoints.from_config(self.live.app.config)
        return XeroClient(
            endpoints,
            self.tenant(org),
            lambda: self.tokens.access_token,
            timeout=10,
            governor=governor,
            **options,
        )

    def restore(self) -> None:
        self.sandbox.faults.clear()
        self.sandbox.limits.reset()
        self.meter.reset()


def serve_governed(tmp_path_factory) -> Iterator[GovernedSandbox]:
    folder = tmp_path_factory.mktemp("governor")
    app = make_test_app(f"sqlite:///{folder / 'widget.sqlite3'}")
    meter = InFlightMeter(app.wsgi_app)
    app.wsgi_app = meter
    for live in serve(app):
        tokens = obtain_tokens(live.sandbox_url, (NZ, UK))
        yield GovernedSandbox(live, meter, tokens)
    app.extensions["db_engine"].dispose()


def governor(clock: OffsetClock | None = None, **settings) -> Governor:
    store = MemoryGovernorStore(clock=clock) if clock is not None else MemoryGovernorStore()
    return Governor(store, GovernorSettings(**settings), jitter=lambda: 0.5)
