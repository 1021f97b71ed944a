"""Large records through gunicorn as scripts/run starts it: a company or deal with hundreds of
associated contacts opens when the CRM posts its launch token into the iframe, and every request
over a limit gets our own clear 4xx page (with our headers), not gunicorn's."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
import requests

from tests.conftest import make_test_app
from tests.connection.support import Workspace, connect_organisation, new_workspace
from tests.scale.servers import Gunicorn
from widget.auth.launch import sign_launch_token

SESSION = re.compile(r'<meta name="widget-session" content="([^"]+)"')
NZ = "Demo Company (NZ)"
ADMIN = {"id": "rep-1", "name": "Ana Rep", "email": "ana@crm.test", "admin": True}


@dataclass
class Served:
    url: str
    app: object
    workspace: Workspace


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("large")
    database, sandbox = folder / "widget.sqlite3", folder / "sandbox.sqlite3"
    app = make_test_app(f"sqlite:///{database}", f"sqlite:///{sandbox}")
    server = Gunicorn(
        {
            "DATABASE_URL": f"sqlite:///{database}",
            "SANDBOX_DATABASE_URL": f"sqlite:///{sandbox}",
            "SECRET_KEY": app.config["SECRET_KEY"],
            "TOKEN_ENCRYPTION_KEYS": app.config["TOKEN_ENCRYPTION_KEYS"],
            "LOG_LEVEL": "WARNING",
        }
    )
    try:
        server.wait_ready()
        app.config["XERO_SANDBOX_URL"] = f"{server.url}/sandbox/xero"
        workspace = new_workspace(app)
        live = Served(server.url, app, workspace)
        connect_organisation(live, workspace, app.extensions["sandbox"].find_org(NZ).tenant_id)
        yield live
    finally:
        server.stop()
        app.extensions["db_engine"].dispose()


def people(count: int) -> list[dict]:
    return [
        {"id": f"person-{n}", "name": f"Person Number {n}", "email": f"person{n}@example.com"}
        for n in range(count)
    ]


def token_for(served: Served, panel: str, contacts: int) -> str:
    record = {"type": panel, "id": f"{panel}-big", "name": f"Big {panel}", "contacts":
              people(contacts)}  # fmt: skip
    if panel == "deal":
        record["primary_contact_id"] = "person-0"
    ws = served.workspace
    return sign_launch_token(ws.id, ws.secret, user=ADMIN, record=record, panel=panel)


@pytest.mark.parametrize(
    "contacts",
    [200, 500],
)
@pytest.mark.parametrize("panel", ["company", "deal"])
def test_a_record_with_hundreds_of_contacts_opens_by_post(served, panel, contacts):
    token = token_for(served, panel, contacts)
    assert len(token) > 8192  # far beyond any URL
    page = requests.post(f"{served.url}/{panel}", data={"token": token}, timeout=60)
    assert page.status_code == 200, page.text[:500]
    assert SESSION.search(page.text)
    assert "Person Number 1" in page.text
    assert "frame-ancestors https://crm.example.com" in page.headers["Content-Security-Policy"]
    # the session it started works for the panel's own requests
    session = SESSION.search(page.text).group(1)
    again = requests.get(f"{served.url}/{panel}", headers={"X-Widget-Session": session},
                         timeout=60)  # fmt: skip
    assert again.status_code == 200


def test_a_posted_token_is_spent_like_one_in_the_url(served):
    token = token_for(served, "company", 3)
    assert requests.post(f"{served.url}/company", data={"token": token}, timeout=30).ok
    replay = requests.post(f"{served.url}/company", data={"token": token}, timeout=30)
    assert replay.status_code == 401
    assert "already been used" in replay.text


def test_a_post_without_a_token_is_not_a_launch(served):
    answer = requests.post(f"{served.url}/company", data={"other": "x"}, timeout=30)
    assert answer.status_code == 405


def test_the_quick_view_opens_by_post_too(served):
    token = token_for(served, "company", 40)
    page = requests.post(f"{served.url}/company/quick", data={"token": token}, timeout=30)
    assert page.status_code == 200 and SESSION.search(page.text)


def test_a_url_too_long_gets_our_414_saying_to_post(served):
    token = token_for(served, "company", 120)  # about 15 kB: the URL gunicorn used to refuse
    answer = requests.get(f"{served.url}/company", params={"token": token}, timeout=30)
    assert answer.status_code == 414
    assert "POST the launch token" in answer.text
    assert answer.headers["Content-Security-Policy"]  # ours, not gunicorn's bare page
    assert answer.headers["Cache-Control"] == "no-store"


def test_a_url_within_the_limit_still_opens_a_company_with_dozens_of_contacts(served):
    token = token_for(served, "company", 40)  # more than the 29 that used to overflow
    assert len(f"/company?token={token}") <= 8192
    page = requests.get(f"{served.url}/company", params={"token": token}, timeout=30)
    assert page.status_code == 200 and SESSION.search(page.text)


def test_an_oversized_posted_token_gets_our_413(served):
    answer = requests.post(f"{served.url}/company", data={"token": "a" * 450_000}, timeout=30)
    assert answer.status_code == 413
    assert "longer than 400,000 characters" in answer.text
    assert answer.headers["Content-Security-Policy"]
