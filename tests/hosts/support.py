"""What the multi-host test and bench.hosts do on the hosts: connect a workspace (as the consent
callback does), link CRM contacts, and open panels through a host as a CRM and a browser do."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import requests

from widget.auth.launch import sign_launch_token

ORG = "Demo Company (NZ)"
SESSION = re.compile(r'<meta name="widget-session" content="([^"]+)"')
FIGURE = re.compile(r"data-figure=")
API = "/api.xro/2.0/"
TOKEN_PATH = "/connect/token"


@dataclass(frozen=True)
class Workspace:
    id: str
    secret: str
    tenant_id: str


def connect(app, host_url: str) -> Workspace:
    """A workspace connected to the NZ organisation: its admin launched once (through a host),
    the sandbox's grant stored the way the consent callback stores it."""
    from widget.auth.users import find_by_crm_id
    from widget.auth.workspaces import create_workspace
    from widget.connection import lifecycle
    from widget.db import get_session
    from widget.xero import TokenSet, XeroOAuth

    tenant_id = app.extensions["sandbox"].find_org(ORG).tenant_id
    with app.app_context():
        workspace, secret = create_workspace(
            get_session(), "Hosts CRM", ["https://crm.example.com"], "ws-" + secrets.token_hex(4)
        )
        get_session().commit()
        workspace_id = workspace.id
    admin = {"id": "hosts-admin", "name": "Hosts Admin", "admin": True}
    token = sign_launch_token(workspace_id, secret, user=admin, record={"type": "none"},
                              panel="admin")  # fmt: skip
    answer = requests.get(f"{host_url}/admin", params={"token": token}, timeout=30)
    assert answer.status_code == 200, answer.text[:500]
    with app.app_context():
        user_id = find_by_crm_id(get_session(), workspace_id, "hosts-admin").id
        tokens = TokenSet.from_token_response(app.extensions["sandbox"].token(ORG).response())
        organisations = XeroOAuth.from_config(app.config).connections(tokens.access_token)
        chosen = next(org for org in organisations if org.tenant_id == tenant_id)
        lifecycle.connect(workspace_id, user_id, tokens, chosen)
    return Workspace(workspace_id, secret, tenant_id)


def launch(host_url: str, workspace: Workspace, crm_id: str, *, user_id: str = "hosts-rep"):
    """A contact panel opened through the host with a fresh launch token; (page, browser)."""
    user = {"id": user_id, "name": "Hosts Rep", "admin": True}
    record = {"type": "contact", "id": crm_id, "name": f"Person {crm_id}"}
    token = sign_launch_token(workspace.id, workspace.secret, user=user, record=record,
                              panel="contact")  # fmt: skip
    page = requests.get(f"{host_url}/contact", params={"token": token}, timeout=30)
    browser = requests.Session()
    found = SESSION.search(page.text)
    if found:
        browser.headers.update({"X-Widget-Session": found.group(1), "HX-Request": "true"})
    return page, browser


def figures_of(host_url: str, page: requests.Response, browser: requests.Session) -> str:
    """The panel's figures as a browser gets them: in the page, or its summary fragment."""
    if page.status_code != 200:
        return ""
    text = page.text
    if 'hx-get="/contact/summary"' in text and not FIGURE.search(text):
        summary = browser.get(f"{host_url}/contact/summary", timeout=30)
        text = summary.text if summary.status_code == 200 else ""
    return text


def shows_figures(text: str) -> bool:
    return len(FIGURE.findall(text)) >= 5 and "Error fetching details" not in text


def what_it_showed(text: str) -> str:
    """A panel's words without its markup, for a failed assertion to say what a rep saw."""
    body = text.split("<body", 1)[-1]
    words = re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", " ", body, flags=re.DOTALL)
    return " ".join(words.split())[:600]


def api_calls(calls) -> list:
    return [call for call in calls if API in call[1]]


def token_calls(calls) -> list:
    return [call for call in calls if call[1].endswith(TOKEN_PATH)]


def close_app(app) -> None:
    """The setup app's connections and its invalidation listener (before Redis goes away)."""
    from widget.shared import bus

    listener = app.extensions.get(bus.EXTENSION)
    if listener is not None:
        listener.stop()
    app.extensions["db_engine"].dispose()
