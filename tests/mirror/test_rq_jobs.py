"""With REDIS_URL the jobs go to RQ and `flask --app wsgi widget worker` runs them: a queued
first sync is de-duplicated while it waits, and a worker process completes it."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue

from tests.mirror.support import NZ, connect
from widget.jobs.queue import RQRunner
from widget.mirror.jobs import SYNC, sync_key
from widget.mirror.service import mirror_status

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def queue_name():
    try:
        Redis.from_url(REDIS_URL).ping()
    except Exception as exc:  # the machine's Redis is part of the test setup
        raise AssertionError(f"Redis is needed at {REDIS_URL}: {exc}") from exc
    name = f"widget-test-{secrets.token_hex(4)}"
    yield name
    redis = Redis.from_url(REDIS_URL)
    Queue(name, connection=redis).empty()  # deletes its jobs too
    for key in redis.scan_iter(f"rq:*{name}*"):
        redis.delete(key)


def test_a_queued_sync_is_taken_once_and_a_worker_process_runs_it(server, queue_name):
    connected = connect(server, NZ)
    runner = RQRunner(REDIS_URL, queue_name)
    key = sync_key(connected.workspace_id, connected.tenant_id)
    args = (connected.workspace_id, connected.tenant_id)
    assert runner.enqueue(SYNC, args, key=key) is True
    assert runner.enqueue(SYNC, args, key=key) is False  # already waiting
    env = dict(os.environ)
    env.pop("XERO_CLIENT_ID", None)
    env.update(
        REDIS_URL=REDIS_URL,
        JOB_QUEUE=queue_name,
        DATABASE_URL=server.database_url,
        SANDBOX_DATABASE_URL=server.sandbox_database_url,
        SANDBOX_ENABLED="0",
        XERO_SANDBOX_URL=server.app.config["XERO_SANDBOX_URL"],
        TOKEN_ENCRYPTION_KEYS=server.app.config["TOKEN_ENCRYPTION_KEYS"],
        SECRET_KEY="rq-worker-test",
        LOG_LEVEL="WARNING",
    )
    worker = subprocess.run(  # noqa: S603 (our own CLI)
        [sys.executable, "-m", "flask", "--app", "wsgi", "widget", "worker", "--burst"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == 0, worker.stderr[-3000:]
    with server.app.app_context():
        status = mirror_status(connected.workspace_id, connected.tenant_id)
    assert status.ready and status.documents_read > 0, worker.stderr[-3000:]
    assert runner.enqueue(SYNC, args, key=key) is True  # done: the key is free again
