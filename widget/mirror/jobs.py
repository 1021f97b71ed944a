"""The mirror's background jobs (run by widget.jobs): idempotent, so retries and duplicates are
harmless. Problems only an admin can fix (no connection, another organisation) are recorded
and not retried; anything else is raised for the runner to retry with backoff."""

from __future__ import annotations

import time

from widget.connection.errors import ConnectionProblem
from widget.mirror.sync import OrganisationChanged, sync_organisation

SYNC = "widget.mirror.jobs:sync"
REFRESH = "widget.mirror.jobs:refresh"
WEBHOOK_FETCH = "widget.mirror.jobs:fetch_changed"


def sync_key(workspace_id: str, tenant_id: str) -> str:
    return f"mirror-sync:{workspace_id}:{tenant_id}"


def refresh_key(workspace_id: str, tenant_id: str) -> str:
    return f"mirror-refresh:{workspace_id}:{tenant_id}"


def sync(workspace_id: str, tenant_id: str, resources: list[str] | None = None) -> str:
    try:
        return sync_organisation(workspace_id, tenant_id, resources=resources).outcome
    except (ConnectionProblem, OrganisationChanged):
        return "stopped"  # recorded in the state row for admins; retrying cannot help


def refresh(workspace_id: str, tenant_id: str, wait_seconds: float = 30) -> str:
    """Refresh's sync: one that starts now. If another sync holds the lease, wait for it to
    finish, then run (it started before Refresh was pressed, so it may miss the latest)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        outcome = sync(workspace_id, tenant_id)
        if outcome != "busy" or time.monotonic() >= deadline:
            return outcome
        time.sleep(0.25)


def fetch_changed(tenant_id: str, changed: dict[str, list[str]]) -> int:
    """After a webhook: the named documents, fetched by id into every workspace's mirror of
    the organisation (see widget.mirror.webhooks)."""
    from widget.mirror.fetch import fetch_into_mirrors

    return fetch_into_mirrors(tenant_id, changed)
