"""The real open path: what a launch costs the database, and that the shortcuts it takes (cached
signing keys, one statement, cached sessions) keep every refusal as immediate as before."""

from __future__ import annotations

import re

import pytest
import redis
import requests

from tests.auth.fixtures import grant, launch, make_tenant, signed_url, user_claim
from tests.conftest import make_test_app, serve
from tests.connection.support import connect_organisation, new_workspace
from tests.scale.statements import commands_between, counting, redis_commands
from tests.scale.waiting import eventually
from widget.auth.launch import sign_launch_token
from widget.auth.users import find_by_crm_id
from widget.auth.workspaces import retire_secrets, rotate_secret
from widget.db import get_session
from widget.mirror.service import mirror_status

SESSION = re.compile(r'<meta name="widget-session" content="([^"]+)"')
NZ = "Demo Company (NZ)"


@pytest.fixture
def postgres_live(tmp_path, own_redis):
    """The app as deployed: PostgreSQL and a Redis of the test's own (whose command count is
    then this app's alone), served over HTTP; its sandbox answers Xero, and connecting starts
    the organisation mirror's first sync in the app's job threads, as in production."""
    from tests.conftest import _postgres_url

    _postgres_url.used = True
    app = make_test_app(
        _postgres_url(), f"sqlite:///{tmp_path / 'sandbox.sqlite3'}",
        REDIS_URL=own_redis.url, MIRROR_START_ON_CONNECT=True, MIRROR_SYNC_ON_OPEN=True,
        SANDBOX_MINUTE_LIMIT=100_000, MIRROR_SYNC_CALLS_PER_MINUTE=100_000,
    )  # fmt: skip
    try:
        yield from serve(app)
    finally:
        app.extensions["auth_session_cache"].stop()
        app.extensions["db_engine"].dispose()


def test_a_crm_launch_of_a_warm_contact_panel_costs_three_round_trips(postgres_live, own_redis):
    """Verify, spend the jti, upsert the user, start the session and render the linked panel
    with its figures from the organisation mirror, once its first sync is complete: at most 3
    round trips to PostgreSQL and Redis together (BEGIN, statements, commits, Redis commands:
    PostgreSQL's counted on the wire), one commit. Counted on this request's thread only: the
    mirror's jobs run on their own."""
    live, app = postgres_live, postgres_live.app
    workspace = new_workspace(app)
    tenant_id = app.extensions["sandbox"].find_org(NZ).tenant_id
    connect_organisation(live, workspace, tenant_id)
    user = {"id": "rep-1", "name": "Rep", "email": "rep@crm.test", "admin": True}
    record = {"type": "contact", "id": "crm-42", "name": "Jo Bloggs"}

    def open_panel() -> requests.Response:
        token = sign_launch_token(
            workspace.id, workspace.secret, user=user, record=record, panel="contact"
        )
        return requests.get(f"{live.url}/contact", params={"token": token}, timeout=30)

    first = open_panel()  # before the mirror is ready: read from Xero per contact
    _run_worker(live, own_redis)  # the first sync, queued by connecting, in a worker process
    assert eventually(lambda: _mirror_ready(app, workspace.id, tenant_id), 10)
    browser = requests.Session()
    browser.headers.update({"X-Widget-Session": SESSION.search(first.text).group(1),
                            "HX-Request": "true"})  # fmt: skip
    contact_id = _a_contact_with_invoices(app, tenant_id)
    linked = browser.post(f"{live.url}/contact/link", data={"xero_contact_id": contact_id})
    assert linked.status_code == 200
    assert browser.get(f"{live.url}/contact/summary").status_code == 200  # figures cached
    open_panel()  # the first launch after linking also caches the keys and the organisation

    _run_worker(live, own_redis)  # anything the opens queued runs now, not while counting
    assert eventually(lambda: _listening(app))

    store = redis.Redis.from_url(own_redis.url)
    before = redis_commands(store)
    with counting(app.extensions["db_engine"], requests_only=True) as counted:
        page = open_panel()  # a fresh token: what a CRM does on every open
    commands = commands_between(before, redis_commands(store))
    redis_trips = sum(commands.values())
    assert page.status_code == 200
    assert 'data-figure="outstanding_invoices"' in page.text  # rendered warm, inline
    assert "Credit available" in page.text  # from the mirror (the per-contact fetch has none)
    assert counted.commits <= 1, counted.sent
    assert counted.round_trips + redis_trips <= 3, (counted, commands)

    reload_headers = {"X-Widget-Session": SESSION.search(page.text).group(1)}
    before = redis_commands(store)
    with counting(app.extensions["db_engine"], requests_only=True) as counted:
        again = requests.get(f"{live.url}/contact", headers=reload_headers, timeout=30)
    commands = commands_between(before, redis_commands(store))
    store.close()
    assert 'data-figure="outstanding_invoices"' in again.text
    assert counted.round_trips + sum(commands.values()) == 0, (counted, commands)  # all kept


def _run_worker(live, own_redis) -> None:
    """`flask --app wsgi widget worker --burst`: the queued jobs, run as production runs them."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    app = live.app
    env = dict(os.environ)
    env.pop("XERO_CLIENT_ID", None)
    env.update(
        REDIS_URL=own_redis.url,
        DATABASE_URL=app.config["DATABASE_URL"],
        SANDBOX_ENABLED="0",
        XERO_SANDBOX_URL=app.config["XERO_SANDBOX_URL"],
        TOKEN_ENCRYPTION_KEYS=app.config["TOKEN_ENCRYPTION_KEYS"],
        SECRET_KEY="open-path-worker",
        MIRROR_SYNC_CALLS_PER_MINUTE="100000",
        LOG_LEVEL="WARNING",
    )
    worker = subprocess.run(  # noqa: S603 (our own CLI)
        [sys.executable, "-m", "flask", "--app", "wsgi", "widget", "worker", "--burst"],
        cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True,
        timeout=180,
    )  # fmt: skip
    assert worker.returncode == 0, worker.stderr[-3000:]


def _mirror_ready(app, workspace_id: str, tenant_id: str) -> bool:
    with app.app_context():
        return mirror_status(workspace_id, tenant_id).ready


def _listening(app) -> bool:
    """The app trusts its kept copies only while it hears invalidations (Redis pub/sub)."""
    return app.extensions["auth_session_cache"].usable


def _a_contact_with_invoices(app, tenant_id: str) -> str:
    from bench.contact_panel import owing_contacts

    return owing_contacts(app, tenant_id, 1)[0]


def test_a_replayed_token_is_refused(db_app):
    tenant = make_tenant(db_app)
    url = signed_url(tenant)
    client = db_app.test_client()
    assert client.get(url).status_code == 200
    again = client.get(url)
    assert again.status_code == 401
    assert "already been used" in again.get_data(as_text=True)


def test_retiring_a_secret_takes_effect_at_once_though_the_keys_are_cached(db_app):
    tenant = make_tenant(db_app)
    client = db_app.test_client()
    assert client.get(signed_url(tenant)).status_code == 200  # the keys are now cached
    with db_app.app_context():
        new_secret = rotate_secret(get_session(), tenant.id)
        get_session().commit()
    old_url = signed_url(tenant)  # still signed with the first secret
    assert client.get(signed_url(tenant, secret=new_secret)).status_code == 200  # a miss reloads
    with db_app.app_context():
        retire_secrets(get_session(), tenant.id)
        get_session().commit()
    refused = client.get(old_url)
    assert refused.status_code == 401
    assert "signature does not match" in refused.get_data(as_text=True)
    assert client.get(signed_url(tenant, secret=new_secret)).status_code == 200


def test_revoking_a_grant_takes_effect_at_once_for_a_cached_session(db_app):
    tenant = make_tenant(db_app)
    panel = launch(db_app, tenant, "contact", user_id="rep-9", access="view")
    assert panel.get("/contact").status_code == 200
    assert panel.get("/contact").status_code == 200  # served from the session cache
    grant(db_app, tenant, "rep-9", "none")
    assert panel.get("/contact").status_code == 403


def test_a_launch_saying_the_user_is_no_longer_an_admin_demotes_their_open_panels(db_app):
    tenant = make_tenant(db_app)
    admin_panel = launch(db_app, tenant, "admin", user_id="boss", admin=True)
    assert admin_panel.get("/admin").status_code == 200
    assert admin_panel.get("/admin").status_code == 200  # cached
    client = db_app.test_client()
    assert client.get(signed_url(tenant, "contact", user_claim("boss"))).status_code == 403
    assert admin_panel.get("/admin").status_code == 403


def test_sessions_stay_consistent_across_two_processes_sharing_redis(
    database_url, sandbox_database_url, redis_prefix
):
    """Two app instances (two workers) on one database and one Redis: a grant revoked through
    one is refused at once by the other, which had the session cached."""
    options = {"REDIS_URL": "redis://127.0.0.1:6379/0", "REDIS_KEY_PREFIX": redis_prefix}
    first = make_test_app(database_url, sandbox_database_url, **options)
    second = make_test_app(database_url, sandbox_database_url, **options)
    try:
        _wait_listening(first, second)
        tenant = make_tenant(first)
        panel = launch(first, tenant, "contact", user_id="rep-3", access="edit")
        on_second = second.test_client()
        headers = {"X-Widget-Session": panel.token, "HX-Request": "true"}
        assert on_second.get("/contact", headers=headers).status_code == 200
        assert on_second.get("/contact", headers=headers).status_code == 200  # cached there
        grant(first, tenant, "rep-3", "none")
        assert eventually(lambda: on_second.get("/contact", headers=headers).status_code == 403)
        with first.app_context():
            assert find_by_crm_id(get_session(), tenant.id, "rep-3").access == "none"
    finally:
        for app in (first, second):
            app.extensions["auth_session_cache"].stop()
            app.extensions["db_engine"].dispose()


def _wait_listening(*apps) -> None:
    assert eventually(lambda: all(a.extensions["auth_session_cache"].usable for a in apps))


def test_one_token_raced_by_four_requests_opens_one_panel(db_app):
    """The jti is spent atomically by the statement that starts the session (a primary key):
    however the requests interleave, one opens and the others are refused as replays."""
    import threading

    tenant = make_tenant(db_app)
    url = signed_url(tenant, user=user_claim("racer", admin=True))
    statuses: list[int] = []
    gate = threading.Barrier(4)

    def race():
        client = db_app.test_client()
        gate.wait(timeout=10)
        statuses.append(client.get(url).status_code)

    threads = [threading.Thread(target=race) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [200, 401, 401, 401]


def test_the_first_launches_of_one_new_user_racing_create_one_user(db_app):
    import threading

    from sqlalchemy import func, select

    from widget.auth.models import User

    tenant = make_tenant(db_app)
    gate = threading.Barrier(4)
    statuses: list[int] = []

    def first_launch():
        url = signed_url(tenant, user=user_claim("newcomer", admin=True))
        client = db_app.test_client()
        gate.wait(timeout=10)
        statuses.append(client.get(url).status_code)

    threads = [threading.Thread(target=first_launch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [200] * 4
    with db_app.app_context():
        count = get_session().scalar(
            select(func.count()).where(
                User.workspace_id == tenant.id, User.crm_user_id == "newcomer"
            )
        )
    assert count == 1
