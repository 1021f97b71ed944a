"""Workspaces, launches and panel clients for tests (a pytest plugin: see tests/conftest.py).

`launch(client, tenant, ...)` opens a panel exactly as a CRM would (a signed token in the URL)
and returns a PanelClient that sends the session header like static/widget.js does.
"""

import re
import secrets
from dataclasses import dataclass, field

import pytest

from tests.conftest import make_test_app
from widget.auth.launch import launch_url
from widget.auth.users import find_by_crm_id, set_access
from widget.auth.workspaces import create_workspace
from widget.db import get_session

SESSION_META = re.compile(r'<meta name="widget-session" content="([^"]+)">')


@dataclass
class Tenant:
    id: str
    secret: str
    origins: list[str] = field(default_factory=list)


def make_tenant(app, origins=("https://crm.example.com",), name="Acme CRM") -> Tenant:
    workspace_id = "ws-" + secrets.token_hex(4)
    with app.app_context():
        db = get_session()
        workspace, secret = create_workspace(db, name, list(origins), workspace_id)
        db.commit()
        return Tenant(workspace.id, secret, workspace.allowed_origins.split())


def user_claim(user_id="rep-1", *, admin=False, name=None, email=None, locale=None) -> dict:
    claim = {
        "id": user_id,
        "name": name or f"User {user_id}",
        "email": email or f"{user_id}@example.com",
        "admin": admin,
    }
    if locale:
        claim["locale"] = locale
    return claim


def record_claim(panel: str) -> dict:
    if panel == "admin":
        return {"type": "none"}
    record = {"type": panel, "id": f"{panel}-7", "name": f"Test {panel.title()} Ltd"}
    if panel == "contact":
        record["email"] = "jo@testco.example"
    else:
        record["contacts"] = [{"id": "c-1", "name": "Jo Bloggs", "email": "jo@testco.example"}]
    return record


def signed_url(tenant: Tenant, panel="contact", user=None, record=None, **kwargs) -> str:
    return launch_url(
        "",
        tenant.id,
        panel,
        user or user_claim(admin=True),
        record or record_claim(panel),
        secret=kwargs.pop("secret", tenant.secret),
        **kwargs,
    )


def grant(app, tenant: Tenant, crm_user_id: str, access: str) -> None:
    with app.app_context():
        db = get_session()
        set_access(find_by_crm_id(db, tenant.id, crm_user_id), access)
        db.commit()


class PanelClient:
    """A test client holding one panel session, sending it the way static/widget.js does."""

    def __init__(self, client, token: str, response):
        self.client = client
        self.token = token
        self.launch_response = response

    def _headers(self, headers=None) -> dict:
        return {"X-Widget-Session": self.token, "HX-Request": "true", **(headers or {})}

    def get(self, path, **kwargs):
        return self.client.get(path, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def open(self, path, method, **kwargs):
        headers = self._headers(kwargs.pop("headers", None))
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def patch(self, path, **kwargs):
        return self.open(path, "PATCH", **kwargs)

    def post(self, path, **kwargs):
        return self.open(path, "POST", **kwargs)


def launch(
    app, tenant: Tenant, panel="contact", *, user_id="rep-1", admin=False, access=None, **claims
) -> PanelClient:
    """Launch `panel` for a user (granted `access` first when given) and return its client."""
    client = app.test_client()
    if access is not None and not admin:
        client.get(signed_url(tenant, panel, user_claim(user_id, **claims)))
        grant(app, tenant, user_id, access)
    response = client.get(signed_url(tenant, panel, user_claim(user_id, admin=admin, **claims)))
    match = SESSION_META.search(response.get_data(as_text=True))
    if match is None:
        raise AssertionError(f"launch gave no session ({response.status_code})")
    return PanelClient(client, match.group(1), response)


@pytest.fixture(scope="module")
def auth_app(tmp_path_factory):
    """One SQLite app per test module; tests keep apart by making their own workspaces."""
    folder = tmp_path_factory.mktemp("auth")
    application = make_test_app(f"sqlite:///{folder / 'widget.sqlite3'}")
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def tenant(auth_app) -> Tenant:
    return make_tenant(auth_app)
