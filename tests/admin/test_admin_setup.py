"""The guided setup checklist: every step's state comes from what is stored (a real connection
through the sandbox's consent page, the mirror's sync state, grants, saved defaults, CRM contacts),
it leads the admin page until done, then folds into "Setup: complete" saying what each step set."""

import re

from sqlalchemy import select

from tests.auth.fixtures import Tenant
from tests.connection.support import connect_organisation, launch, new_workspace
from tests.crm.signed import signed_put
from widget.auth.clock import utcnow
from widget.auth.models import Workspace
from widget.mirror.models import MirrorState


def _steps(html: str) -> dict[str, str]:
    """step key -> its state as shown."""
    found = re.findall(
        r'data-step="(\w+)">.*?<span class="setup-state">([^<]+)</span>', html, re.DOTALL
    )
    return dict(found)


def _mirror(server, workspace_id, tenant_id, **values) -> None:
    with server.app.extensions["db_sessionmaker"]() as session:
        state = session.get(MirrorState, (workspace_id, tenant_id)) or MirrorState(
            workspace_id=workspace_id, tenant_id=tenant_id, cursor={}, lease_token=0
        )
        for name, value in values.items():
            setattr(state, name, value)
        session.add(state)
        session.commit()


def _setup(server, admin) -> str:
    answer = admin.get(f"{server.url}/admin/setup", timeout=10)
    assert answer.status_code == 200
    return answer.text


def test_the_checklist_follows_each_step_to_complete(live_server):
    server = live_server
    workspace = new_workspace(server.app)
    admin = launch(server, workspace)
    page = admin.get(f"{server.url}/admin", timeout=10).text
    assert page.index('id="setup"') < page.index('id="xero-connection"')  # it leads the page
    assert _steps(page) == {
        "connect": "To do",
        "organisation": "Waiting",
        "sync": "Waiting",
        "access": "To do",
        "defaults": "To do",
        "match": "Optional",
    }
    assert "0 of 5 steps done" in page and 'href="#xero-connection"' in page

    org = server.app.extensions["sandbox"].organisations()[0]
    connect_organisation(server, workspace, org.tenant_id, admin=admin)
    html = _setup(server, admin)
    assert _steps(html)["connect"] == "Done" and _steps(html)["organisation"] == "Done"
    assert f"{org.name}." in html and _steps(html)["sync"] == "Waiting"

    _mirror(
        server,
        workspace.id,
        org.tenant_id,
        status="first_sync",
        documents_read=120,
        documents_expected=560,
    )
    html = _setup(server, admin)
    assert _steps(html)["sync"] == "In progress"
    assert "120 of about 560 records copied so far." in html

    _mirror(
        server,
        workspace.id,
        org.tenant_id,
        status="ready",
        documents_read=560,
        first_sync_completed_at=utcnow(),
    )
    assert _steps(_setup(server, admin))["sync"] == "Done"

    added = admin.post(
        f"{server.url}/admin/users",
        data={"crm_user_id": "u-1", "name": "Ana Lyst", "access": "edit"},
        timeout=10,
    )
    assert added.status_code == 200
    html = _setup(server, admin)
    assert _steps(html)["access"] == "Done" and "1 person: 1 with edit." in html

    saved = admin.post(
        f"{server.url}/drafts/defaults",
        data={
            "invoice_due_days": "20",
            "bill_due_days": "30",
            "quote_expiry_days": "10",
            "line_amount_types": "Exclusive",
        },
        timeout=10,
    )
    assert saved.status_code == 200, saved.text[:300]
    html = _setup(server, admin)
    assert "Setup: complete" in html and "<details" in html
    assert "Invoices due in 20 days, bills in 30, quotes expire in 10." in html
    assert _steps(html)["match"] == "Optional"  # optional steps do not hold setup back

    tenant = Tenant(workspace.id, workspace.secret)
    contacts = {"contacts": [{"id": "c-1", "name": "Jo"}, {"id": "c-2", "name": "Al"}]}
    pushed = signed_put(server.app.test_client(), tenant, "/api/crm/contacts", contacts)
    assert pushed.status_code == 200
    html = _setup(server, admin)
    assert "2 CRM contacts received: match them with Xero&#39;s and review the matches." in html

    page = admin.get(f"{server.url}/admin", timeout=10).text
    assert "Setup: complete" in page  # still reachable afterwards, folded


def test_a_failed_first_sync_and_a_dead_connection_need_attention(live_server):
    server = live_server
    workspace = new_workspace(server.app)
    admin = launch(server, workspace)
    org = server.app.extensions["sandbox"].organisations()[1]
    connect_organisation(server, workspace, org.tenant_id, admin=admin)
    _mirror(server, workspace.id, org.tenant_id, status="failed", documents_read=40)
    html = _setup(server, admin)
    assert _steps(html)["sync"] == "Needs attention" and "Stopped after 40 records" in html
    with server.app.extensions["db_sessionmaker"]() as session:
        from widget.connection.models import XeroConnection

        row = session.scalars(
            select(XeroConnection).where(XeroConnection.workspace_id == workspace.id)
        ).one()
        row.status = "needs_reauthorisation"
        session.commit()
    html = _setup(server, admin)
    assert _steps(html)["connect"] == "Needs attention" and "Reconnect" in html
    assert _steps(html)["organisation"] == "Waiting"
    with server.app.extensions["db_sessionmaker"]() as session:
        assert session.get(Workspace, workspace.id) is not None


def test_keeping_the_standard_defaults_completes_that_step_once(auth_app):
    from tests.auth.fixtures import launch as launch_panel
    from tests.auth.fixtures import make_tenant
    from widget.auth import audit
    from widget.db import get_session

    tenant = make_tenant(auth_app)
    admin = launch_panel(auth_app, tenant, "admin", user_id="boss", admin=True)
    before = admin.get("/admin/setup").get_data(as_text=True)
    assert _steps(before)["defaults"] == "To do"
    assert "Standard defaults (invoices due in 14 days, bills in 30, quotes expire in 30)" in before
    assert 'hx-post="/admin/setup/defaults"' in before
    kept = admin.post("/admin/setup/defaults")
    body = kept.get_data(as_text=True)
    assert kept.status_code == 200 and _steps(body)["defaults"] == "Done"
    assert "Invoices due in 14 days, bills in 30, quotes expire in 30." in body
    assert 'id="audit-log" hx-swap-oob="true"' in body
    assert "kept the standard defaults for new drafts" in body
    admin.post("/admin/setup/defaults")  # again: nothing more happens
    with auth_app.app_context():
        entries = audit.entries(get_session(), tenant.id).entries
    assert [e.action for e in entries] == ["setup.defaults.keep"]
