"""Background jobs: work that must not hold a request (a first sync, webhook follow-ups).

Two runners, one interface (`enqueue`):
- embedded (no `REDIS_URL`): a small thread pool in the serving process (`threads.ThreadRunner`);
- with `REDIS_URL`: RQ queues on that Redis, run by `flask --app wsgi widget worker`
  (`queue.RQRunner`, `worker.perform`).

A job is a plain function named by its dotted path ("widget.mirror.jobs:sync"), called with
JSON-friendly arguments inside the app (and, for the sandbox, the request root it was enqueued
from). Jobs are idempotent, so a retry or a duplicate does no harm; `key` de-duplicates jobs that
are already waiting or running. Failures are retried with backoff and recorded by the job itself
where admins see them (the mirror's `last_error` on the admin page).
"""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request

#: seconds before each retry (RQ Retry and the thread runner alike)
RETRY_INTERVALS = (5, 30, 120, 600)


def init_app(app: Flask) -> None:
    if app.config.get("REDIS_URL"):
        from widget.jobs.queue import RQRunner

        app.extensions["jobs"] = RQRunner(app.config["REDIS_URL"], app.config["JOB_QUEUE"])
    else:
        from widget.jobs.threads import ThreadRunner

        app.extensions["jobs"] = ThreadRunner(
            app,
            workers=int(app.config.get("JOB_THREADS", 2)),
            intervals=app.config.get("JOB_RETRY_SECONDS", RETRY_INTERVALS),
        )


def enqueue(target: str, *args, key: str | None = None) -> bool:
    """Run `target(*args)` in the background; False when a job with this key already waits or
    runs (nothing new was queued)."""
    return current_app.extensions["jobs"].enqueue(target, args, key=key, root=_request_root())


def _request_root() -> str | None:
    """Where this request reached us: a job talking to the built-in sandbox (no
    XERO_SANDBOX_URL configured) reaches it the same way."""
    return request.url_root if has_request_context() else None
