"""The large sandbox organisation, seeded, connected to a new workspace and mirrored, for
benchmarks that need the real mirror rather than generated rows.

It reuses bench.sync's steps (gunicorn serving the sandbox, `flask sandbox seed --size large`,
the consent callback's `lifecycle.connect`), runs the first sync as the job runner does (the
job's own function, `widget.mirror.jobs.sync`, retried after the wait the budget governor names
when it keeps the minute's last calls for panels: the sync resumes from its cursor), and stops
the server once the mirror is ready: what follows reads the widget's database only.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from bench.sync import LARGE, _app, _connect, _seed_large, start_server


@dataclass(frozen=True)
class MirroredOrg:
    app: object
    workspace_id: str
    tenant_id: str
    first_sync_seconds: float
    documents: int
    #: times the sync stopped for the budget governor and was run again
    retries: int


def mirror_large_org(folder: Path, scale: float = 1.0) -> MirroredOrg:
    """Seed, connect and run the first sync to completion (default pacing, real limits).
    The widget's database is SQLite in `folder`; the returned app works on it."""
    saved = dict(os.environ)
    os.environ.update(MIRROR_START_ON_CONNECT="0")  # the sync runs here, timed, not as a job
    try:
        server, env = start_server(folder, threads=8)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        print("seeding the large organisation…", flush=True)
        _seed_large(env, scale)
        app = _app(env)
        workspace_id, tenant_id = _connect(server, app, LARGE)
        print("first sync of the large organisation…", flush=True)
        began = time.monotonic()
        with app.app_context():
            documents, retries = _first_sync(workspace_id, tenant_id)
        seconds = time.monotonic() - began
    finally:
        server.process.terminate()
        server.process.wait(timeout=10)
    return MirroredOrg(app, workspace_id, tenant_id, seconds, documents, retries)


def _first_sync(workspace_id: str, tenant_id: str, give_up_seconds: float = 1800) -> tuple:
    """The sync job until the mirror is ready, waiting out each XeroRateLimited as the job
    runner's retry would (without its backoff on top). Documents read, and the retries."""
    from widget.mirror import jobs
    from widget.mirror.service import mirror_status
    from widget.xero.errors import XeroRateLimited

    deadline = time.monotonic() + give_up_seconds
    retries = 0
    while True:
        try:
            outcome = jobs.sync(workspace_id, tenant_id)
        except XeroRateLimited as limited:
            retries += 1
            time.sleep(limited.retry_after)
            outcome = "rate limited"
        status = mirror_status(workspace_id, tenant_id)
        if status.ready:
            return status.documents_read, retries
        if outcome == "stopped" or time.monotonic() > deadline:
            raise RuntimeError(f"the first sync did not finish ({outcome}: {status.last_error})")
