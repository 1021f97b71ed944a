"""The large sandbox organisation, seeded, connected to a new workspace and mirrored, for
benchmarks that need the real mirror rather than generated rows.

It reuses bench.sync's steps (gunicorn serving the sandbox, `flask sandbox seed --size large`,
the consent callback's `lifecycle.connect`, the sync job's own `sync_organisation`), and stops
the server once the first sync is done: what follows reads the widget's database only.
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
    outcome: str
    documents: int


def mirror_large_org(folder: Path, scale: float = 1.0) -> MirroredOrg:
    """Seed, connect and run the first sync to completion (default pacing, real limits).
    The widget's database is SQLite in `folder`; the returned app works on it."""
    from widget.mirror.service import mirror_status
    from widget.mirror.sync import sync_organisation

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
            result = sync_organisation(workspace_id, tenant_id)
            status = mirror_status(workspace_id, tenant_id)
        seconds = time.monotonic() - began
    finally:
        server.process.terminate()
        server.process.wait(timeout=10)
    return MirroredOrg(app, workspace_id, tenant_id, seconds, result.outcome, status.documents_read)
