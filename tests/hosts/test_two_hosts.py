"""Proof on two hosts: two Linux network namespaces made here, each running gunicorn with 2
workers of the widget, sharing the machine's PostgreSQL (a schema of this run's, reached through
a forwarder on the bridge), a Redis this test starts, and one sandbox server
(`flask --app wsgi sandbox serve`) that counts every call as Xero would. Calls are counted from
the sandbox's access log.

- a contact opened from both hosts at once costs what one open costs on one process, and warm
  opens through either host cost nothing (the shared cache and its single flight);
- a draft double-submitted to both hosts is created once (the submission row in PostgreSQL);
- a link made on host A shows on host B's next request (the invalidation bus on Redis);
- a token refresh at expiry happens once for all four workers (the connection's row lock in
  PostgreSQL: `SELECT … FOR UPDATE`, then `token_version` says it was done).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from bench.company_panel import link_people
from bench.contact_panel import owing_contacts
from tests.drafts.support import DraftPost, created_id
from tests.hosts.support import (
    api_calls,
    close_app,
    connect,
    figures_of,
    launch,
    shows_figures,
    token_calls,
    what_it_showed,
)
from tests.hosts.topology import Cluster, netns_problem
from widget.mirror.service import mirror_status
from widget.sandbox.models import Document


@pytest.fixture(scope="module")
def hosts(tmp_path_factory):
    problem = netns_problem()
    if problem is not None:
        pytest.skip(f"two hosts need network namespaces: {problem}")
    with Cluster(tmp_path_factory.mktemp("hosts")) as cluster:
        app = cluster.setup_app()
        a, b = cluster.hosts
        workspace = connect(app, a.url)
        xero_ids = owing_contacts(app, workspace.tenant_id, 12)
        people = [p["id"] for p in link_people(app, workspace.id, workspace.tenant_id,
                                               xero_ids[:10])]  # fmt: skip
        yield cluster, app, workspace, people, xero_ids[10:]
        close_app(app)


def _open(url, workspace, crm_id) -> str:
    page, browser = launch(url, workspace, crm_id)
    return figures_of(url, page, browser)


def test_a_contact_opened_through_both_hosts_costs_what_it_costs_on_one_process(hosts):
    cluster, _app, workspace, people, _spare = hosts
    a, b = cluster.hosts
    assert shows_figures(_open(a.url, workspace, people[0]))  # the organisation's first view

    mark = len(cluster.xero_calls())
    assert shows_figures(_open(a.url, workspace, people[1]))  # one cold open, one process
    one_process = len(api_calls(cluster.xero_calls()[mark:]))
    assert one_process > 0

    mark = len(cluster.xero_calls())
    urls = [a.url, b.url] * 4  # eight opens at once over four workers on two hosts
    with ThreadPoolExecutor(8) as pool:
        texts = list(pool.map(lambda url: _open(url, workspace, people[2]), urls))
    missing = [what_it_showed(text) for text in texts if not shows_figures(text)]
    assert missing == []
    assert len(api_calls(cluster.xero_calls()[mark:])) == one_process

    mark = len(cluster.xero_calls())
    for url in [a.url, b.url] * 5:  # warm: through either host, a fresh launch each time
        assert shows_figures(_open(url, workspace, people[2]))
    assert api_calls(cluster.xero_calls()[mark:]) == []


def test_a_link_made_on_host_a_shows_on_host_bs_next_request(hosts):
    cluster, _app, workspace, _people, spare = hosts
    a, b = cluster.hosts
    _page, browser = launch(a.url, workspace, f"crm-link-{secrets.token_hex(3)}")
    for _ in range(4):  # both of B's workers have seen the record unlinked
        seen = browser.get(f"{b.url}/contact", timeout=30)
        assert seen.status_code == 200 and 'data-state="linked"' not in seen.text
    linked = browser.post(f"{a.url}/contact/link", data={"xero_contact_id": spare[0]}, timeout=30)
    assert linked.status_code == 200 and 'data-state="linked"' in linked.text
    for _ in range(4):
        seen = browser.get(f"{b.url}/contact", timeout=30)
        assert seen.status_code == 200 and 'data-state="linked"' in seen.text


def test_a_draft_double_submitted_to_both_hosts_is_created_once(hosts):
    cluster, app, workspace, people, _spare = hosts
    a, b = cluster.hosts
    _page, browser = launch(a.url, workspace, people[3])
    form = browser.get(f"{a.url}/drafts/invoice/new", timeout=30)
    assert form.status_code == 200, form.text[:500]
    reference = f"hosts-{secrets.token_hex(4)}"
    post = DraftPost.read("invoice", form.text).set(reference=reference)
    post.with_lines({"description": "Two hosts", "quantity": "2", "unit_amount": "21.50"})
    start = threading.Barrier(2)

    def press(url: str):
        start.wait(5)
        return browser.post(f"{url}/drafts/invoice", data=post.data(), timeout=30)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(press, [a.url, b.url]))
    assert [answer.status_code for answer in answers] == [200, 200], answers[0].text[:800]
    stored = _invoices_with_reference(app, workspace.tenant_id, reference)
    assert len(stored) == 1
    assert {created_id(answer.text) for answer in answers} == {stored[0]["InvoiceID"]}


def test_a_token_refresh_at_expiry_happens_once_for_both_hosts(hosts):
    cluster, _app, workspace, people, _spare = hosts
    a, b = cluster.hosts
    cluster.advance_sandbox_clock(31 * 60)  # the access token (30 minutes) has expired at Xero
    mark = len(cluster.xero_calls())
    cold = list(zip([a.url, b.url, a.url, b.url], people[4:8], strict=True))
    with ThreadPoolExecutor(4) as pool:
        texts = list(pool.map(lambda pair: _open(pair[0], workspace, pair[1]), cold))
    assert all(shows_figures(text) for text in texts)
    refreshes = token_calls(cluster.xero_calls()[mark:])
    assert len(refreshes) == 1 and refreshes[0][2] == 200


def _invoices_with_reference(app, tenant_id: str, reference: str) -> list[dict]:
    with app.extensions["sandbox"].sessions() as session:
        bodies = session.scalars(
            select(Document.body).where(Document.tenant_id == tenant_id, Document.kind == "invoice")
        ).all()
    return [body for body in map(json.loads, bodies) if body.get("Reference") == reference]


SYNC_ON_A_HOST = """
import sys
from widget import create_app
from widget.mirror.sync import sync_organisation
app = create_app()
with app.app_context():
    print("ready", flush=True)
    sys.stdin.readline()  # the test says go
    print(sync_organisation({workspace!r}, {tenant!r}).outcome, flush=True)
"""


def test_one_sync_of_the_organisation_runs_however_many_hosts_start_one(hosts):
    cluster, app, workspace, _people, _spare = hosts
    code = SYNC_ON_A_HOST.format(workspace=workspace.id, tenant=workspace.tenant_id)
    runs = [cluster.python_on(host, code) for host in cluster.hosts]
    for run in runs:  # both processes are up, their app made
        assert run.stdout.readline().strip() == "ready", run.stderr.read()[-2000:]
    for run in runs:  # A starts its sync; B a moment later, while A holds the lease
        run.stdin.write("go\n")
        run.stdin.flush()
        time.sleep(0.2)
    outcomes = []
    for run in runs:
        out, err = run.communicate(timeout=90)
        assert run.returncode == 0, err[-2000:]
        outcomes.append(out.split()[-1])
    assert outcomes == ["synced", "busy"]  # B found A's lease in PostgreSQL
    with app.app_context():
        status = mirror_status(workspace.id, workspace.tenant_id)
    assert status.ready and not status.running and status.last_error is None
