"""One sync per organisation at a time across threads and processes (the fenced lease), and a
first sync that resumes after its process is killed instead of starting over."""

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.mirror.support import NZ, connect, count_rows, sandbox_documents
from widget.mirror import lease as leases
from widget.mirror.models import (
    MirrorContact,
    MirrorCreditNote,
    MirrorInvoice,
    MirrorQuote,
    MirrorState,
)
from widget.mirror.service import mirror_status
from widget.mirror.sync import sync_organisation

ROOT = Path(__file__).resolve().parents[2]


def _worker(server, connected, **config) -> subprocess.Popen:
    settings = {
        "TESTING": True,
        "SECRET_KEY": "mirror-worker",
        "TOKEN_ENCRYPTION_KEYS": server.app.config["TOKEN_ENCRYPTION_KEYS"],
        "DATABASE_URL": server.database_url,
        "SANDBOX_DATABASE_URL": server.sandbox_database_url,
        "SANDBOX_ENABLED": False,
        "XERO_USE_SANDBOX": True,
        "XERO_SANDBOX_URL": server.app.config["XERO_SANDBOX_URL"],
        "MIRROR_SYNC_CALLS_PER_MINUTE": 100_000,
        **config,
    }
    command = [sys.executable, "-m", "tests.mirror.sync_worker", json.dumps(settings)]
    return subprocess.Popen(  # noqa: S603 (our own test worker)
        [*command, connected.workspace_id, connected.tenant_id],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _state(server, connected) -> MirrorState | None:
    with server.app.extensions["db_sessionmaker"]() as session:
        return session.get(MirrorState, (connected.workspace_id, connected.tenant_id))


def _pages_written(server, connected) -> int:
    state = _state(server, connected)
    if state is None:
        return 0
    return sum(
        entry["pass"]["page"] - 1 if entry.get("pass") else 1 for entry in state.cursor.values()
    )


def _holder(server, connected) -> str | None:
    with server.app.extensions["db_sessionmaker"]() as session:
        return leases.holder(session, connected.workspace_id, connected.tenant_id)


def mirror_status_of(server, connected):
    with server.app.app_context():
        return mirror_status(connected.workspace_id, connected.tenant_id)


def _wait_until(condition, process=None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the worker ended early: {process.communicate()}")
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_killed_first_sync_resumes_and_reads_no_page_twice(server):
    connected = connect(server, NZ)
    server.app.config["MIRROR_PAGE_SIZE"] = 40
    server.sandbox.faults.set(NZ, latency_ms=250)
    mark = server.meter.mark()
    worker = _worker(server, connected, MIRROR_PAGE_SIZE=40, MIRROR_LEASE_SECONDS=4)
    _wait_until(lambda: _pages_written(server, connected) >= 4, worker)
    worker.kill()
    worker.communicate(timeout=10)
    server.sandbox.faults.clear(NZ)
    assert not mirror_status_of(server, connected).ready
    with server.app.app_context():
        # the killed process's lease has not run out yet: nobody else may sync
        assert sync_organisation(connected.workspace_id, connected.tenant_id).outcome == "busy"
        _wait_until(lambda: _holder(server, connected) is None, timeout=10)
        result = sync_organisation(connected.workspace_id, connected.tenant_id)
        status = mirror_status(connected.workspace_id, connected.tenant_id)
    assert result.outcome == "synced"

    reads = [(c.path, c.page) for c in server.meter.since(mark) if c.method == "GET"]
    again = {read for read in reads if reads.count(read) > 1}
    assert len(again) <= 1, f"pages read twice: {again}"  # at most the one in flight
    assert len(reads) <= len(set(reads)) + 1
    contacts = len(sandbox_documents(server, NZ, "contact"))
    invoices = len(sandbox_documents(server, NZ, "invoice"))
    quotes = len(sandbox_documents(server, NZ, "quote"))
    credit_notes = len(sandbox_documents(server, NZ, "creditnote"))
    assert count_rows(server, MirrorContact, connected) == contacts
    assert count_rows(server, MirrorInvoice, connected) == invoices
    assert count_rows(server, MirrorQuote, connected) == quotes
    assert count_rows(server, MirrorCreditNote, connected) == credit_notes
    assert status.ready and status.documents_read == contacts + invoices + quotes + credit_notes
    assert status.documents_expected == status.documents_read


def test_two_threads_syncing_at_once_run_one_sync(server):
    connected = connect(server, NZ)
    server.sandbox.faults.set(NZ, latency_ms=150)
    barrier, outcomes = threading.Barrier(2), []

    def one() -> None:
        with server.app.app_context():
            barrier.wait(timeout=10)
            outcomes.append(sync_organisation(connected.workspace_id, connected.tenant_id).outcome)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["busy", "synced"]


def test_a_sync_in_another_process_keeps_this_one_out(server):
    connected = connect(server, NZ)
    server.sandbox.faults.set(NZ, latency_ms=150)
    worker = _worker(server, connected)
    _wait_until(lambda: _holder(server, connected) == "other-process", worker)
    with server.app.app_context():
        assert sync_organisation(connected.workspace_id, connected.tenant_id).outcome == "busy"
    out, err = worker.communicate(timeout=60)
    assert out.strip().splitlines()[-1] == "synced", err[-2000:]
    with server.app.app_context():
        assert mirror_status(connected.workspace_id, connected.tenant_id).ready


def test_a_holder_whose_lease_ran_out_cannot_write(server):
    connected = connect(server, NZ)
    sessions = server.app.extensions["db_sessionmaker"]
    key = (connected.workspace_id, connected.tenant_id)
    leases.ensure_state(sessions, *key)
    first = leases.take(sessions, *key, "first", seconds=1)
    assert first is not None and leases.take(sessions, *key, "second") is None
    time.sleep(1.2)
    second = leases.take(sessions, *key, "second")
    assert second is not None and second.token == first.token + 1
    with sessions() as session, pytest.raises(leases.LeaseLost):
        leases.fence(session, first)
    with sessions() as session:
        leases.fence(session, second)
        session.commit()
    leases.release(sessions, first)  # not its lease any more: changes nothing
    assert _state(server, connected).lease_owner == "second"
    leases.release(sessions, second)
    assert _state(server, connected).lease_owner is None
