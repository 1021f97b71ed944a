"""What the panels and the admin page call: ensure_fresh (one queued sync, never waiting),
refresh_now (now, then not again within the minimum interval), the first sync started by
connecting, and the admin's progress fragment with its error and Retry."""

import re
import time

import requests

from tests.mirror.support import NZ, admin_session, connect
from widget.auth.launch import sign_launch_token
from widget.mirror.service import ensure_fresh, mirror_status, refresh_now
from widget.mirror.sync import sync_organisation


def _list_calls(server, mark):
    return [c for c in server.meter.since(mark) if c.method == "GET" and c.path == "Contacts"]


def test_ensure_fresh_queues_one_sync_and_never_waits(server):
    connected = connect(server, NZ)
    server.sandbox.faults.set(NZ, latency_ms=300)
    mark = server.meter.mark()
    began = time.monotonic()
    with server.app.app_context():
        for _ in range(20):  # twenty panels open at once
            ensure_fresh(connected.workspace_id, connected.tenant_id)
    assert time.monotonic() - began < 2
    server.wait_for_jobs()
    assert [c.page for c in _list_calls(server, mark)] == [1]  # one first sync
    with server.app.app_context():
        assert mirror_status(connected.workspace_id, connected.tenant_id).ready
        server.sandbox.faults.clear(NZ)
        mark = server.meter.mark()
        ensure_fresh(connected.workspace_id, connected.tenant_id)  # fresh: nothing to do
        server.wait_for_jobs()
        assert server.meter.since(mark) == []
        server.app.config["MIRROR_FRESHNESS_SECONDS"] = 0
        try:
            # without webhooks, a stale mirror reads every resource again
            server.app.config["MIRROR_WEBHOOKS"] = False
            time.sleep(0.01)
            ensure_fresh(connected.workspace_id, connected.tenant_id)
            server.wait_for_jobs()
            polled = {c.path: c for c in server.meter.since(mark) if c.method == "GET"}
            assert set(polled) == {"Contacts", "Invoices", "CreditNotes", "Quotes"}
            assert all(call.modified_since for call in polled.values())
            # with webhooks, only quotes (no webhook for them) until the full sync is due
            server.app.config["MIRROR_WEBHOOKS"] = True
            mark = server.meter.mark()
            time.sleep(0.01)
            ensure_fresh(connected.workspace_id, connected.tenant_id)
            server.wait_for_jobs()
            assert [c.path for c in server.meter.since(mark)] == ["Quotes"]
            server.app.config["MIRROR_FULL_SYNC_SECONDS"] = 0
            mark = server.meter.mark()
            time.sleep(0.01)
            ensure_fresh(connected.workspace_id, connected.tenant_id)
            server.wait_for_jobs()
            assert len(server.meter.since(mark)) == 4
        finally:
            server.app.config.update(
                MIRROR_FRESHNESS_SECONDS=60, MIRROR_WEBHOOKS=None, MIRROR_FULL_SYNC_SECONDS=900
            )


def test_refresh_syncs_now_and_not_again_within_the_minimum_interval(server):
    connected = connect(server, NZ)
    server.app.config["MIRROR_REFRESH_MIN_SECONDS"] = 1
    try:
        with server.app.app_context():
            sync_organisation(connected.workspace_id, connected.tenant_id)
            time.sleep(1.1)
            pressed = time.time()
            done = refresh_now(connected.workspace_id, connected.tenant_id, wait_seconds=30)
            assert done.outcome == "synced" and done.synced_at.timestamp() >= pressed - 0.01
            mark = server.meter.mark()
            again = refresh_now(connected.workspace_id, connected.tenant_id, wait_seconds=30)
            assert again.outcome == "too_soon" and again.synced_at == done.synced_at
            server.wait_for_jobs()
            assert server.meter.since(mark) == []
    finally:
        server.app.config["MIRROR_REFRESH_MIN_SECONDS"] = 10


def test_connecting_starts_the_first_sync_and_the_admin_sees_it_finish(server):
    server.app.config["MIRROR_START_ON_CONNECT"] = True
    try:
        connected = connect(server, NZ)
    finally:
        server.app.config["MIRROR_START_ON_CONNECT"] = False
    server.wait_for_jobs()
    admin = admin_session(server, connected)
    page = admin.get(f"{server.url}/admin/mirror/progress", timeout=10)
    assert page.status_code == 200
    assert 'data-mirror-state="ready"' in page.text and "Xero data copied" in page.text
    assert "hx-trigger" not in page.text  # finished: no more polling


def test_a_failed_first_sync_shows_its_error_and_retry_resumes_it(server):
    connected = connect(server, NZ)
    server.sandbox.faults.set(NZ, force_429=-1, force_429_problem="minute")
    admin = admin_session(server, connected)
    with server.app.app_context():
        try:
            sync_organisation(connected.workspace_id, connected.tenant_id)
        except Exception as exc:  # the runner would retry; the admin sees why meanwhile
            assert type(exc).__name__ == "XeroRateLimited"
        else:
            raise AssertionError("a rate-limited sync must stop")
    page = admin.get(f"{server.url}/admin/mirror/progress", timeout=10)
    assert 'data-mirror-state="reading"' in page.text and "Reading Xero" in page.text
    assert "limit was reached" in page.text and "Retry" in page.text
    assert 'hx-trigger="every 2s"' in page.text
    server.sandbox.faults.clear(NZ)
    retried = admin.post(f"{server.url}/admin/mirror/retry", timeout=10)
    assert retried.status_code == 200
    server.wait_for_jobs()
    page = admin.get(f"{server.url}/admin/mirror/progress", timeout=10)
    assert 'data-mirror-state="ready"' in page.text and "limit was reached" not in page.text


def test_members_cannot_see_or_retry_the_sync(server):
    connected = connect(server, NZ)
    user = {"id": "rep-9", "name": "Rep", "admin": False}
    token = sign_launch_token(
        connected.workspace_id,
        connected.secret,
        user=user,
        record={"type": "contact", "id": "c-1", "name": "Jo"},
        panel="contact",
    )
    page = requests.get(f"{server.url}/contact", params={"token": token}, timeout=10)
    session = re.search(r'<meta name="widget-session" content="([^"]+)"', page.text)
    headers = {"X-Widget-Session": session.group(1)} if session else {}
    progress = requests.get(f"{server.url}/admin/mirror/progress", headers=headers, timeout=10)
    retry = requests.post(f"{server.url}/admin/mirror/retry", headers=headers, timeout=10)
    assert progress.status_code in (401, 403) and retry.status_code in (401, 403)
