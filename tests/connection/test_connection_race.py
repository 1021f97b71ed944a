"""THE RACE: many processes (each with threads) hit an expired access token at the same moment.
Exactly one refresh may reach Xero: refresh tokens rotate, so a second one is the classic road to
invalid_grant. Run against one sandbox server and a shared database, SQLite file and PostgreSQL."""

import multiprocessing
import time

import pytest

from tests.connection import race_worker
from tests.connection.support import (
    connect_organisation,
    connection_row,
    new_workspace,
    refresh_grants,
    set_access_expiry,
    stored_tokens,
)

PROCESSES = 5
THREADS = 4


def _context():
    """forkserver: children fork from a clean, single-threaded server that has already imported
    the app (fast), not from this process with its server threads (unsafe)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.connection.race_worker"])
    return context


def _race(server, workspace_id: str) -> tuple[list[str], float]:
    config = {
        key: server.app.config[key]
        for key in ("DATABASE_URL", "TOKEN_ENCRYPTION_KEYS", "SECRET_KEY", "XERO_TIMEOUT_SECONDS")
    }
    config.update(
        TESTING=True,
        XERO_USE_SANDBOX=True,
        XERO_SANDBOX_URL=server.sandbox_url,  # the one sandbox, over HTTP
        SANDBOX_ENABLED=False,
    )
    context = _context()
    barrier = context.Barrier(PROCESSES * THREADS)
    results = context.Queue()
    processes = [
        context.Process(
            target=race_worker.run, args=(config, workspace_id, THREADS, barrier, results)
        )
        for _ in range(PROCESSES)
    ]
    started = time.perf_counter()
    for process in processes:
        process.start()
    outcomes = [outcome for _ in processes for outcome in results.get(timeout=120)]
    for process in processes:
        process.join(timeout=30)
    return outcomes, time.perf_counter() - started


@pytest.fixture
def sandbox(xero_server):
    state = xero_server.app.extensions["sandbox"]
    yield state
    state.clock.reset()
    state.faults.clear()


@pytest.mark.parametrize("expired", ["here", "at_xero"])
def test_exactly_one_refresh_reaches_xero_however_many_workers_race(xero_server, sandbox, expired):
    workspace = new_workspace(xero_server.app)
    org = sandbox.organisations()[0]
    connect_organisation(xero_server, workspace, org.tenant_id)
    version = connection_row(xero_server.app, workspace.id).token_version
    if expired == "here":  # our copy says expired: every worker refreshes before calling
        set_access_expiry(xero_server.app, workspace.id, seconds_left=-1)
    sandbox.clock.advance(minutes=31)  # and Xero agrees (alone, for "at_xero": every call 401s)

    outcomes, seconds = _race(xero_server, workspace.id)

    tokens = stored_tokens(xero_server.app, workspace.id)
    refreshes = refresh_grants(xero_server.app, tokens.access_token)
    invalid_grants = sum("NeedsReauthorisation" in outcome for outcome in outcomes)
    print(
        f"\nrace ({expired}): {PROCESSES} processes x {THREADS} threads, "
        f"{refreshes} refresh(es) at the sandbox, {invalid_grants} invalid_grant, {seconds:.2f}s"
    )
    assert len(outcomes) == PROCESSES * THREADS
    assert [o for o in outcomes if o != "ok"] == []
    assert invalid_grants == 0
    assert refreshes == 1
    row = connection_row(xero_server.app, workspace.id)
    assert (row.status, row.token_version) == ("running", version + 1)
