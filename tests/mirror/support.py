"""Helpers for the mirror tests: the app served on a real socket (its sandbox answers Xero, every
Accounting call recorded with its If-Modified-Since), workspaces connected as the consent
callback connects them, and the sandbox's own documents read straight from its database."""

from __future__ import annotations

import json
import os
import secrets
import threading
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qs

import requests
from sqlalchemy import create_engine, func, select, text

from tests.conftest import POSTGRES_URL, make_test_app, serve
from widget.auth.launch import sign_launch_token
from widget.auth.users import find_by_crm_id
from widget.auth.workspaces import create_workspace
from widget.db import get_session
from widget.sandbox.models import Document

API_PREFIX = "/sandbox/xero/api.xero.com/api.xro/2.0/"
NZ = "Demo Company (NZ)"
US = "Demo Company (US)"


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    query: dict
    modified_since: str | None
    status: int

    @property
    def page(self) -> int | None:
        value = self.query.get("page")
        return int(value) if value else None


class CallMeter:
    """WSGI middleware: every Accounting API call the sandbox answers, with its headers."""

    def __init__(self, app):
        self.app = app
        self._lock = threading.Lock()
        self._calls: list[Call] = []

    def mark(self) -> int:
        with self._lock:
            return len(self._calls)

    def since(self, mark: int, tenant_id: str | None = None) -> list[Call]:
        with self._lock:
            return list(self._calls[mark:])

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(API_PREFIX):
            return self.app(environ, start_response)
        seen: list[str] = []

        def recording(status, headers, exc_info=None):
            seen.append(status)
            return start_response(status, headers, exc_info)

        body = self.app(environ, recording)
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        call = Call(
            environ.get("REQUEST_METHOD", ""),
            path[len(API_PREFIX) :],
            query,
            environ.get("HTTP_IF_MODIFIED_SINCE"),
            int(seen[0].split()[0]) if seen else 0,
        )
        with self._lock:
            self._calls.append(call)
        return body


@dataclass
class MirrorServer:
    url: str
    app: object
    meter: CallMeter
    database_url: str
    sandbox_database_url: str
    kind: str

    @property
    def sandbox(self):
        return self.app.extensions["sandbox"]

    def tenant(self, org: str) -> str:
        return self.sandbox.find_org(org).tenant_id

    def wait_for_jobs(self, timeout: float = 60) -> None:
        assert self.app.extensions["jobs"].wait_idle(timeout), "background jobs did not finish"


TEST_CONFIG = {
    "SANDBOX_MINUTE_LIMIT": 100_000,
    "SANDBOX_DAILY_LIMIT": 1_000_000,
    "MIRROR_START_ON_CONNECT": False,
    "MIRROR_SYNC_CALLS_PER_MINUTE": 100_000,
    "JOB_RETRY_SECONDS": (0.2, 0.5),
    "XERO_WEBHOOK_KEY": "test-webhook-key",
}


def postgres_url(schema: str) -> str:
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    finally:
        engine.dispose()
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"


def drop_schema(schema: str) -> None:
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    finally:
        engine.dispose()


def serve_mirror(tmp_path_factory, kind: str, **overrides):
    folder = tmp_path_factory.mktemp(f"mirror-{kind}")
    schema = f"widget_test_mirror_{os.getpid()}"
    url = f"sqlite:///{folder / 'widget.sqlite3'}" if kind == "sqlite" else postgres_url(schema)
    sandbox_url = f"sqlite:///{folder / 'sandbox.sqlite3'}"
    app = make_test_app(url, sandbox_url, **(TEST_CONFIG | overrides))
    meter = CallMeter(app.wsgi_app)
    app.wsgi_app = meter
    for live in serve(app):
        yield MirrorServer(live.url, app, meter, url, sandbox_url, kind)
    app.extensions["db_engine"].dispose()
    if kind == "postgresql":
        drop_schema(schema)


@dataclass(frozen=True)
class Connected:
    workspace_id: str
    secret: str
    tenant_id: str


def connect(server: MirrorServer, org: str = NZ) -> Connected:
    """A new workspace connected to the organisation the way the consent callback connects it
    (`lifecycle.connect`), its admin launched once so the connection has its user."""
    from widget.connection import lifecycle
    from widget.xero import TokenSet, XeroOAuth

    app = server.app
    with app.app_context():
        workspace, secret = create_workspace(
            get_session(), "Mirror CRM", ["https://crm.example.com"], "ws-" + secrets.token_hex(5)
        )
        get_session().commit()
        workspace_id = workspace.id
    admin = {"id": "mirror-admin", "name": "Mirror Admin", "admin": True}
    token = sign_launch_token(
        workspace_id, secret, user=admin, record={"type": "none"}, panel="admin"
    )
    assert requests.get(f"{server.url}/admin", params={"token": token}, timeout=10).ok
    tenant_id = server.tenant(org)
    with app.app_context():
        user_id = find_by_crm_id(get_session(), workspace_id, "mirror-admin").id
        tokens = TokenSet.from_token_response(server.sandbox.token(org).response())
        chosen = next(
            o
            for o in XeroOAuth.from_config(app.config).connections(tokens.access_token)
            if o.tenant_id == tenant_id
        )
        lifecycle.connect(workspace_id, user_id, tokens, chosen)
    return Connected(workspace_id, secret, tenant_id)


def admin_session(server: MirrorServer, connected: Connected):
    """A requests.Session acting as the workspace's launched admin panel."""
    import re

    admin = {"id": "mirror-admin", "name": "Mirror Admin", "admin": True}
    token = sign_launch_token(
        connected.workspace_id, connected.secret, user=admin, record={"type": "none"}, panel="admin"
    )
    page = requests.get(f"{server.url}/admin", params={"token": token}, timeout=10)
    browser = requests.Session()
    found = re.search(r'<meta name="widget-session" content="([^"]+)"', page.text)
    browser.headers.update({"X-Widget-Session": found.group(1), "HX-Request": "true"})
    return browser


def sandbox_documents(server: MirrorServer, org: str, kind: str) -> list[dict]:
    tenant_id = server.tenant(org)
    with server.sandbox.sessions() as session:
        bodies = session.scalars(
            select(Document.body).where(Document.tenant_id == tenant_id, Document.kind == kind)
        ).all()
    return [json.loads(body, parse_float=Decimal) for body in bodies]


def count_rows(server: MirrorServer, model, connected: Connected) -> int:
    with server.app.extensions["db_sessionmaker"]() as session:
        return session.scalar(
            select(func.count())
            .select_from(model)
            .where(
                model.workspace_id == connected.workspace_id,
                model.tenant_id == connected.tenant_id,
            )
        )


def list_paths(calls: list[Call]) -> list[str]:
    return [call.path for call in calls if call.method == "GET"]


def xero_put(server, path: str, body: dict) -> dict:
    """Someone working in Xero (the sandbox's API, with a token of their own)."""
    token = server.sandbox.token(NZ)
    answer = requests.put(
        f"{server.url}/sandbox/xero/api.xero.com/api.xro/2.0/{path}",
        json=body,
        headers={
            "Authorization": f"Bearer {token.access_token}",
            "xero-tenant-id": server.tenant(NZ),
            "Accept": "application/json",
        },
        timeout=10,
    )
    assert answer.status_code == 200, answer.text[:500]
    return answer.json()


def synced(server, connected):
    from widget.mirror.sync import sync_organisation

    with server.app.app_context():
        assert sync_organisation(connected.workspace_id, connected.tenant_id).outcome == "synced"


def rows_of(server, model, connected, *where):
    with server.app.extensions["db_sessionmaker"]() as session:
        return session.scalars(
            select(model).where(
                model.workspace_id == connected.workspace_id,
                model.tenant_id == connected.tenant_id,
                *where,
            )
        ).all()
