"""Creating the missing Xero contacts (a background job) against the sandbox over a real socket:
each CRM contact without a match gets exactly one Xero contact, linked, even when Xero's answer
is lost halfway and the job runs again (within Xero's key window, and after it), and however
often the admin asks; progress is shown and polled; everything audited."""

import time
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests.auth.fixtures import Tenant
from tests.conftest import make_test_app, serve
from tests.connection.support import connect_organisation, launch, new_workspace
from tests.crm.signed import signed_put
from widget.auth import audit
from widget.connection.service import client_for
from widget.contact.models import ContactLink
from widget.crm import creating
from widget.crm.models import CrmCreation
from widget.db import get_session
from widget.mirror.sync import sync_organisation

NZ = "Demo Company (NZ)"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crm-create")
    app = make_test_app(f"sqlite:///{folder / 'widget.sqlite3'}")
    yield from serve(app)
    app.extensions["db_engine"].dispose()


def _ready(server, names: list[str]):
    """A workspace connected to NZ, mirrored, with CRM contacts Xero does not know, matched."""
    workspace = new_workspace(server.app)
    tenant_id = server.app.extensions["sandbox"].find_org(NZ).tenant_id
    admin = launch(server, workspace)
    connect_organisation(server, workspace, tenant_id, admin=admin)
    with server.app.app_context():
        assert sync_organisation(workspace.id, tenant_id).outcome == "synced"
    stamp = f"{time.time_ns() % 10**9}"
    contacts = [
        {"id": f"n-{i}", "name": f"{name} {stamp}", "email": f"n{i}@people-{stamp}.example"}
        for i, name in enumerate(names)
    ]
    tenant = Tenant(workspace.id, workspace.secret)
    pushed = signed_put(
        server.app.test_client(), tenant, "/api/crm/contacts", {"contacts": contacts}
    )
    assert pushed.status_code == 200
    ran = admin.post(f"{server.url}/admin/crm/matches/run", timeout=30)
    assert f"{len(names)} without a match" in ran.text, ran.text[:500]
    return SimpleNamespace(
        workspace=workspace, tenant_id=tenant_id, admin=admin, names=[c["name"] for c in contacts]
    )


def _in_xero(server, ready) -> dict[str, int]:
    """How many Xero contacts carry each of the names (asked of the sandbox, by Name==)."""
    with server.app.app_context():
        client = client_for(ready.workspace.id)
        return {name: len(client.contacts(name=name).items) for name in ready.names}


def _links(server, ready) -> dict[str, str]:
    with server.app.app_context():
        rows = get_session().scalars(
            select(ContactLink).where(ContactLink.workspace_id == ready.workspace.id)
        )
        return {row.crm_contact_id: row.xero_contact_id for row in rows}


def _claim_and_run(server, ready) -> None:
    with server.app.app_context():
        db = get_session()
        creating.claim_missing(db, creating.Scope(ready.workspace.id, ready.tenant_id))
        db.commit()


def _run_job(server, ready) -> int:
    with server.app.app_context():
        return creating.create_missing(ready.workspace.id, ready.tenant_id)


def test_a_lost_answer_halfway_then_resumed_creates_each_once(server):
    ready = _ready(server, ["Aroha Newcontact", "Ben Newcontact", "Cleo Newcontact"])
    _claim_and_run(server, ready)
    faults = server.app.extensions["sandbox"].faults
    faults.set(NZ, commit_then_fail="503", commit_then_fail_count=1)
    with pytest.raises(Exception):  # noqa: B017 - the job stops on Xero's failure, as a job does
        _run_job(server, ready)
    faults.clear(NZ)
    assert _in_xero(server, ready) == {ready.names[0]: 1, ready.names[1]: 0, ready.names[2]: 0}
    with server.app.app_context():
        scope = creating.Scope(ready.workspace.id, ready.tenant_id)
        done, total, error = creating.progress(get_session(), scope)
    assert (done, total) == (0, 3) and "did not answer" in error

    assert _run_job(server, ready) == 3  # resumed: the lost one is replayed by its key
    assert _in_xero(server, ready) == dict.fromkeys(ready.names, 1)
    assert sorted(_links(server, ready)) == ["n-0", "n-1", "n-2"]
    assert _run_job(server, ready) == 0  # nothing pending: nothing sent
    _claim_and_run(server, ready)  # asked again: they are linked now, nothing to create
    assert _run_job(server, ready) == 0
    assert _in_xero(server, ready) == dict.fromkeys(ready.names, 1)
    with server.app.app_context():
        actions = [
            e.action for e in audit.entries(get_session(), ready.workspace.id, per_page=100).entries
        ]
    assert actions.count("contact.create") == 3 and actions.count("link.create") == 3


def test_after_xero_forgot_the_key_the_existing_contact_is_found_not_duplicated(server):
    ready = _ready(server, ["Dana Forgotten"])
    _claim_and_run(server, ready)
    sandbox = server.app.extensions["sandbox"]
    sandbox.faults.set(NZ, commit_then_fail="503", commit_then_fail_count=1)
    with pytest.raises(Exception):  # noqa: B017
        _run_job(server, ready)
    sandbox.faults.clear(NZ)
    sandbox.clock.advance(minutes=7)  # Xero keeps keys for about 6 minutes
    assert _run_job(server, ready) == 1
    assert _in_xero(server, ready) == {ready.names[0]: 1}
    assert list(_links(server, ready)) == ["n-0"]


def test_the_admin_asks_and_the_job_runs_with_a_progress_line(server):
    ready = _ready(server, ["Eli Background", "Fay Background"])
    asked = ready.admin.post(f"{server.url}/admin/crm/matches/create-missing", timeout=30)
    assert asked.status_code == 200 and "Creating 2 Xero contacts." in asked.text
    again = ready.admin.post(f"{server.url}/admin/crm/matches/create-missing", timeout=30)
    assert again.status_code == 200  # pressed twice: the same two, still one job
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        shown = ready.admin.get(f"{server.url}/admin/crm/matches?show=none", timeout=30).text
        if "Created and linked 2 Xero contacts" in shown:
            break
        assert "Creating Xero contacts:" in shown and 'hx-trigger="every 2s"' in shown
        time.sleep(0.3)
    else:
        raise AssertionError("the job did not finish")
    assert _in_xero(server, ready) == dict.fromkeys(ready.names, 1)
    with server.app.app_context():
        rows = get_session().scalars(
            select(CrmCreation).where(CrmCreation.workspace_id == ready.workspace.id)
        )
        assert {row.status for row in rows} == {"done"}
    linked = ready.admin.get(f"{server.url}/admin/crm/matches?show=linked", timeout=30).text
    assert "Already linked (2)" in linked and ready.names[0] in linked
