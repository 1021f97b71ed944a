"""What a warm panel keeps in process (its connection and link, the mirror's status, the summary
rendered from the mirror) is dropped as soon as another process commits a change: two app
instances (two workers) on one PostgreSQL and one Redis; one serves the panel, the other syncs
the mirror and unlinks. Nothing waits for a timer: each change shows on the next request."""

from __future__ import annotations

import re
import time
from decimal import Decimal

import pytest
import requests

from tests.conftest import make_test_app, serve
from tests.connection.support import connect_organisation, new_workspace
from tests.contact.support import Figures
from tests.scale.conftest import SHARED_REDIS_URL
from tests.scale.waiting import eventually
from widget.auth.launch import sign_launch_token
from widget.jobs.running import run_in_app
from widget.mirror.jobs import SYNC
from widget.sandbox.actions import pay

SESSION = re.compile(r'<meta name="widget-session" content="([^"]+)"')
NZ = "Demo Company (NZ)"


@pytest.fixture
def two_workers(tmp_path, redis_prefix):
    """The serving app (with the sandbox, over HTTP) and a second app on the same database,
    Redis and sandbox; jobs are run by the test, in the second app, as a worker would."""
    from tests.conftest import _postgres_url

    _postgres_url.used = True
    database, sandbox = _postgres_url(), f"sqlite:///{tmp_path / 'sandbox.sqlite3'}"
    options = {
        "REDIS_URL": SHARED_REDIS_URL, "REDIS_KEY_PREFIX": redis_prefix,
        "JOB_QUEUE": f"{redis_prefix}jobs", "SANDBOX_MINUTE_LIMIT": 100_000,
        "MIRROR_SYNC_CALLS_PER_MINUTE": 100_000,
    }  # fmt: skip
    first = make_test_app(database, sandbox, **options)
    second = make_test_app(database, sandbox, **options)
    try:
        for live in serve(first):
            second.config["XERO_SANDBOX_URL"] = live.sandbox_url
            yield live, second
    finally:
        for app in (first, second):
            app.extensions["auth_session_cache"].stop()
            app.extensions["db_engine"].dispose()


def test_a_sync_and_an_unlink_by_another_process_show_on_the_next_request(two_workers):
    live, second = two_workers
    first = live.app
    workspace = new_workspace(first)
    tenant_id = first.extensions["sandbox"].find_org(NZ).tenant_id
    connect_organisation(live, workspace, tenant_id)
    run_in_app(second, SYNC, [workspace.id, tenant_id, None])  # the first sync, elsewhere
    assert eventually(lambda: _listening(first, second))

    contact_id, invoice_id = _an_owing_contact(first, tenant_id)
    panel = _launch(live, workspace)
    linked = panel.post(f"{live.url}/contact/link", data={"xero_contact_id": contact_id})
    assert linked.status_code == 200 and 'data-state="linked"' in linked.text
    before = _outstanding(panel, live)
    assert before == _outstanding(panel, live)  # kept: the same rows, the same rendering

    pay(first.extensions["sandbox"], tenant_id, invoice_id)  # paid in Xero...
    assert _outstanding(panel, live) == before  # ...which the mirror does not know yet
    _sync_until_mirrored(second, workspace.id, tenant_id, invoice_id)  # in another process
    assert eventually(lambda: _outstanding(panel, live)["count"] == before["count"] - 1)

    on_second = second.test_client()
    unlinked = on_second.post("/contact/unlink", headers=dict(panel.headers))
    assert unlinked.status_code == 200
    assert eventually(lambda: 'data-state="linked"' not in _page(panel, live))


def _sync_until_mirrored(app, workspace_id: str, tenant_id: str, invoice_id: str) -> None:
    """Sync in `app` until the mirror holds the payment (an incremental read asks Xero for what
    changed since a moment it saw, to the second: a change within that second waits a pass).
    """
    from widget.mirror.models import MirrorInvoice

    outcomes = []
    for _ in range(5):
        outcomes.append(run_in_app(app, SYNC, [workspace_id, tenant_id, None]))
        with app.extensions["db_sessionmaker"]() as session:
            row = session.get(MirrorInvoice, (workspace_id, tenant_id, invoice_id))
            if row is not None and row.status == "PAID":
                return
        time.sleep(1)
    raise AssertionError(f"the payment never reached the mirror: sync outcomes {outcomes}")
    raise AssertionError("the sync did not mirror the payment")


def _launch(live, workspace) -> requests.Session:
    user = {"id": "rep-1", "name": "Rep", "email": "rep@crm.test", "admin": True}
    record = {"type": "contact", "id": "crm-7", "name": "Jo Bloggs"}
    token = sign_launch_token(
        workspace.id, workspace.secret, user=user, record=record, panel="contact"
    )
    page = requests.get(f"{live.url}/contact", params={"token": token}, timeout=30)
    browser = requests.Session()
    browser.headers.update({"X-Widget-Session": SESSION.search(page.text).group(1),
                            "HX-Request": "true"})  # fmt: skip
    return browser


def _page(panel: requests.Session, live) -> str:
    answer = panel.get(f"{live.url}/contact", timeout=30)
    assert answer.status_code == 200
    return answer.text


def _outstanding(panel: requests.Session, live) -> dict:
    return Figures(_page(panel, live)).figures["outstanding_invoices"]


def _an_owing_contact(app, tenant_id: str) -> tuple[str, str]:
    """A Xero contact with more than one unpaid sales invoice, and one of those invoices."""
    owing: dict[str, list[str]] = {}
    for invoice in app.extensions["sandbox"].documents(tenant_id, "invoice", "AUTHORISED"):
        if invoice["Type"] == "ACCREC" and Decimal(invoice["AmountDue"]) > 0:
            owing.setdefault(invoice["Contact"]["ContactID"], []).append(invoice["InvoiceID"])
    contact_id = sorted(c for c, invoices in owing.items() if len(invoices) > 1)[0]
    return contact_id, sorted(owing[contact_id])[0]


def _listening(*apps) -> bool:
    return all(app.extensions["auth_session_cache"].usable for app in apps)
