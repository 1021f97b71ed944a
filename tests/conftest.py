"""Shared fixtures: apps on SQLite and PostgreSQL, and the app served on a real loopback socket."""

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from widget import create_app
from widget.db import migrate

#: workspaces, launches and panel clients (tests/auth/fixtures.py), for any test folder
pytest_plugins = ["tests.auth.fixtures"]


def pytest_sessionstart(session):
    """Under CI a missing Xero spec fails the run; elsewhere its checks are skipped (one line)."""
    from tests import xero_spec

    if os.environ.get("CI", "").lower() in ("true", "1") and not xero_spec.available():
        message = f"CI=true and {xero_spec.NOT_FOUND}"
        pytest.exit(f"{message}; {xero_spec.HOW_TO}", returncode=pytest.ExitCode.USAGE_ERROR)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Fold every skip for the missing spec into one summary line, wherever the test lives."""
    from tests import xero_spec

    report = yield
    longrepr = report.longrepr
    if report.skipped and isinstance(longrepr, tuple) and xero_spec.MISSING in str(longrepr[2]):
        report.longrepr = ("tests/xero_spec.py", None, f"Skipped: {xero_spec.MISSING}")
    return report


@pytest.fixture
def xero_spec() -> str:
    """The folder of Xero's OpenAPI spec; the test is skipped without it (CI fails instead)."""
    from tests import xero_spec as spec

    return spec.require()


POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
#: one schema per test run, so runs side by side (two terminals, CI) never wait on each other
POSTGRES_SCHEMA = f"widget_test_{os.getpid()}"


def _reset_postgres_schema(create: bool) -> None:
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.begin() as connection:
            connection.execute(text("SET lock_timeout = '20s'"))
            connection.execute(text(f"DROP SCHEMA IF EXISTS {POSTGRES_SCHEMA} CASCADE"))
            if create:
                connection.execute(text(f"CREATE SCHEMA {POSTGRES_SCHEMA}"))
    finally:
        engine.dispose()


def _postgres_url() -> str:
    """A clean schema of the `test` database for this test, so tests never touch `public`."""
    _reset_postgres_schema(create=True)
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{POSTGRES_SCHEMA}"


def pytest_sessionfinish(session, exitstatus):
    """Drop this run's schema (only if the run used PostgreSQL at all)."""
    if getattr(_postgres_url, "used", False):
        _reset_postgres_schema(create=False)


def make_test_app(database_url: str, sandbox_database_url: str | None = None, **overrides):
    if sandbox_database_url is None:
        sandbox_database_url = database_url.replace("widget.sqlite3", "sandbox.sqlite3")
        if not sandbox_database_url.startswith("sqlite"):
            raise ValueError("pass sandbox_database_url for a non-SQLite app database")
    config = {
        "SANDBOX_DATABASE_URL": sandbox_database_url,
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "TOKEN_ENCRYPTION_KEYS": "Y2hhbmdlLW1lLXRoaXMtaXMtYS10ZXN0LWtleS0zMmI=",
        "DATABASE_URL": database_url,
        "XERO_USE_SANDBOX": True,
        "SANDBOX_ENABLED": True,
    }
    config.update(overrides)
    app = create_app(config)
    migrate(app)
    return app


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """Run the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'widget.sqlite3'}"
    _postgres_url.used = True
    return _postgres_url()


@pytest.fixture
def sandbox_database_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'sandbox.sqlite3'}"


@pytest.fixture
def app(tmp_path):
    """An app on a fresh SQLite file (tests that care about the database use `db_app`)."""
    application = make_test_app(f"sqlite:///{tmp_path / 'widget.sqlite3'}")
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def db_app(database_url, sandbox_database_url):
    """An app on each supported database in turn."""
    application = make_test_app(database_url, sandbox_database_url)
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass
class LiveServer:
    app: object
    url: str

    @property
    def sandbox_url(self) -> str:
        return f"{self.url}/sandbox/xero"


def serve(application) -> Iterator[LiveServer]:
    """Serve an app on 127.0.0.1 (a real socket, threaded) for the length of a fixture."""
    server = make_server("127.0.0.1", 0, application, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    application.config["XERO_SANDBOX_URL"] = f"{url}/sandbox/xero"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(application, url)
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """One app for the whole run, served over HTTP; the sandbox inside it answers Xero calls."""
    path = tmp_path_factory.mktemp("live") / "widget.sqlite3"
    application = make_test_app(f"sqlite:///{path}")
    yield from serve(application)


# -- the Xero sandbox: tokens through its real consent page, and putting its state back ----------

SANDBOX_CLIENT = ("sandbox-client", "sandbox-secret")
SANDBOX_REDIRECT_URI = "http://127.0.0.1/callback"


@dataclass
class SandboxTokens:
    access_token: str
    refresh_token: str | None
    #: organisation name -> tenant id, for the organisations consented to
    tenants: dict[str, str]

    @property
    def tenant_id(self) -> str:
        """The first (often only) organisation's tenant id."""
        return next(iter(self.tenants.values()))

    def headers(self, tenant_id: str | None = None) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.access_token}",
            "xero-tenant-id": tenant_id or self.tenant_id,
            "Accept": "application/json",
        }


def obtain_tokens(
    sandbox_url: str, org_names=("Demo Company (NZ)",), scope: str | None = None
) -> SandboxTokens:
    """Consent to `org_names` on the sandbox's page and exchange the code (PKCE), over HTTP."""
    import base64
    import hashlib
    import html
    import re
    import secrets
    from urllib.parse import parse_qs, urlsplit

    import requests

    from widget.config import DEFAULT_SCOPES

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    params = {
        "response_type": "code",
        "client_id": SANDBOX_CLIENT[0],
        "redirect_uri": SANDBOX_REDIRECT_URI,
        "scope": scope or DEFAULT_SCOPES,
        "state": secrets.token_urlsafe(8),
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    authorize = f"{sandbox_url}/login.xero.com/identity/connect/authorize"
    page = requests.get(authorize, params=params, timeout=10)
    assert page.status_code == 200, page.text[:300]
    pattern = r'name="tenant" value="([^"]+)"[^>]*>\s*<span class="org-name">([^<]+)</span>'
    offered = {html.unescape(name): tenant for tenant, name in re.findall(pattern, page.text)}
    tenants = {name: offered[name] for name in org_names}
    form = params | {"tenant": list(tenants.values()), "action": "allow"}
    answer = requests.post(authorize, data=form, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:300]
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["state"] == [params["state"]]
    token = requests.post(
        f"{sandbox_url}/identity.xero.com/connect/token",
        data={
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": SANDBOX_REDIRECT_URI,
            "code_verifier": verifier,
        },
        auth=SANDBOX_CLIENT,
        timeout=10,
    )
    assert token.status_code == 200, token.text
    body = token.json()
    return SandboxTokens(body["access_token"], body.get("refresh_token"), tenants)


@pytest.fixture
def sandbox_reset(live_server):
    """The live server's sandbox; its faults, clock and rate-limit counters are put back after
    the test (documents a test creates stay: give them unique names)."""
    sandbox = live_server.app.extensions["sandbox"]
    sandbox.limits.reset()
    yield sandbox
    sandbox.faults.clear()
    sandbox.clock.reset()
    sandbox.limits.reset()


@pytest.fixture
def sandbox_token(live_server, sandbox_reset) -> SandboxTokens:
    """Tokens for Demo Company (NZ) on the live server, obtained through the consent page."""
    return obtain_tokens(live_server.sandbox_url)
