"""Helpers for the connection tests: workspaces, launched admin panels, the sandbox's consent page,
and what the sandbox saw (refresh grants), all over real HTTP where the product uses HTTP."""

import html
import re
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import requests
from sqlalchemy import func, select

from widget.auth.launch import sign_launch_token
from widget.auth.users import find_by_crm_id, set_access
from widget.auth.workspaces import create_workspace
from widget.connection.models import XeroConnection
from widget.connection.tokens import seal, unseal
from widget.db import get_session
from widget.sandbox.grants import hash_token
from widget.sandbox.models import Token

SESSION = re.compile(r'<meta name="widget-session" content="([^"]+)"')


@dataclass
class Workspace:
    id: str
    secret: str


def new_workspace(app) -> Workspace:
    with app.app_context():
        workspace, secret = create_workspace(
            get_session(),
            "Connection test CRM",
            ["https://crm.example.com"],
            "ws-" + secrets.token_hex(6),
        )
        get_session().commit()
        return Workspace(workspace.id, secret)


def launch(server, workspace: Workspace, *, admin: bool = True, user_id: str = "u-admin"):
    """A requests.Session that acts as a launched admin panel (its X-Widget-Session header)."""
    user = {"id": user_id, "name": "Ada Admin", "email": "ada@example.com", "admin": admin}
    panel = "admin" if admin else "contact"  # members cannot open the admin page at all
    record = {"type": "none"} if admin else {"type": "contact", "id": "c-1", "name": "Jo Bloggs"}
    token = sign_launch_token(workspace.id, workspace.secret, user=user, record=record, panel=panel)
    page = requests.get(f"{server.url}/{panel}", params={"token": token}, timeout=10)
    if page.status_code == 403 and not admin:  # a member starts with no access: grant "edit"
        with server.app.app_context():
            set_access(find_by_crm_id(get_session(), workspace.id, user_id), "edit")
            get_session().commit()
        return launch(server, workspace, admin=admin, user_id=user_id)
    assert page.status_code == 200, page.text[:500]
    browser = requests.Session()
    browser.headers["X-Widget-Session"] = SESSION.search(page.text).group(1)
    return browser


class _Form(HTMLParser):
    """The inputs of the sandbox's consent form."""

    def __init__(self):
        super().__init__()
        self.hidden: list[tuple[str, str]] = []
        self.tenants: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag != "input":
            return
        if attrs.get("type") == "hidden":
            self.hidden.append((attrs["name"], attrs.get("value", "")))
        elif attrs.get("name") == "tenant":
            self.tenants.append(attrs["value"])


def consent(authorize_url: str, tenants: list[str] | None = None, action: str = "allow") -> str:
    """Play the admin at Xero's consent page; returns where Xero sends the popup back."""
    page = requests.get(authorize_url, timeout=10)
    assert page.status_code == 200, page.text[:500]
    form = _Form()
    form.feed(page.text)
    chosen = tenants if tenants is not None else form.tenants[:1]
    data = form.hidden + [("tenant", tenant) for tenant in chosen] + [("action", action)]
    answer = requests.post(page.url, data=data, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:500]
    return answer.headers["Location"]


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def stored_tokens(app, workspace_id: str):
    with app.app_context():
        row = (
            get_session()
            .scalars(select(XeroConnection).where(XeroConnection.workspace_id == workspace_id))
            .one()
        )
        return unseal(row.tokens_encrypted) if row.tokens_encrypted else None


def connection_row(app, workspace_id: str) -> XeroConnection:
    with app.extensions["db_sessionmaker"]() as session:
        return session.scalars(
            select(XeroConnection).where(XeroConnection.workspace_id == workspace_id)
        ).one()


def refresh_grants(app, access_token: str) -> int:
    """How many refreshes the sandbox granted on this token's grant (each one issues a new
    refresh token; the consent issued the first)."""
    sandbox = app.extensions["sandbox"]
    with sandbox.sessions() as session:
        grant_id = session.scalar(
            select(Token.grant_id).where(Token.token_hash == hash_token(access_token))
        )
        issued = session.scalar(
            select(func.count())
            .select_from(Token)
            .where(Token.grant_id == grant_id, Token.kind == "refresh")
        )
    return issued - 1


STATE = re.compile(r'data-xero-state="([^"]+)"')
AUTHORIZE = re.compile(r'data-xero-authorize="([^"]+)"')


@dataclass(frozen=True)
class Flow:
    """What the admin panel holds after pressing Connect (the started fragment)."""

    state: str
    authorize_url: str


def start_connect(server, admin) -> Flow:
    """The admin presses Connect: the flow's state and the authorize URL for the popup."""
    answer = admin.post(f"{server.url}/admin/xero/start", timeout=10)
    assert answer.status_code == 200, answer.text[:500]
    state, url = STATE.search(answer.text).group(1), AUTHORIZE.search(answer.text).group(1)
    return Flow(html.unescape(state), html.unescape(url))


def bound_popup(server, flow: Flow) -> requests.Session:
    """The popup's browser after the begin page got the state from its opener and bound itself
    (static/connection/begin.js does this POST); it carries the cookie the callback requires."""
    popup = requests.Session()
    answer = popup.post(
        f"{server.url}/admin/xero/bind",
        data={"state": flow.state},
        headers={"X-Xero-Connect": "bind"},
        timeout=10,
    )
    assert answer.status_code == 204, answer.text[:500]
    return popup


def complete(server, admin, state: str) -> requests.Response:
    """What connect.js sends when the popup is back (or closed): the panel's own state."""
    return admin.post(f"{server.url}/admin/xero/complete", data={"state": state}, timeout=10)


def connect_organisation(server, workspace: Workspace, tenant_id: str, admin=None) -> str:
    """The whole flow for one organisation: popup, consent, callback, then the panel completes.
    Returns the Xero section the panel shows afterwards."""
    admin = admin or launch(server, workspace)
    flow = start_connect(server, admin)
    popup = bound_popup(server, flow)
    back = popup.get(consent(flow.authorize_url, [tenant_id]), timeout=10)
    assert back.status_code == 200 and 'data-outcome="received"' in back.text, back.text
    done = complete(server, admin, flow.state)
    assert done.status_code == 200 and "Xero connected successfully" in done.text, done.text
    return done.text


def set_access_expiry(app, workspace_id: str, seconds_left: float) -> None:
    """Make the stored access token look about to expire (or expired, when negative)."""
    with app.app_context():
        session = get_session()
        row = session.scalars(
            select(XeroConnection).where(XeroConnection.workspace_id == workspace_id)
        ).one()
        tokens = unseal(row.tokens_encrypted)
        expires_at = datetime.now(UTC) + timedelta(seconds=seconds_left)
        row.tokens_encrypted = seal(replace(tokens, expires_at=expires_at))
        row.access_expires_at = expires_at
        session.commit()
