"""What an RQ worker process runs: `perform` builds the app once per process and runs the job
in it. `flask --app wsgi widget worker` starts such a worker (with RQ's scheduler, which
re-queues jobs waiting to retry)."""

from __future__ import annotations

import click
from flask import current_app

from widget.jobs.running import run_in_app

_app = None


def _the_app():
    global _app
    if _app is None:
        from widget import create_app

        _app = create_app()
    return _app


def perform(target: str, args: list, root: str | None = None):
    return run_in_app(_the_app(), target, args, root)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst: bool) -> None:
    """Run background jobs from the Redis queue (needs REDIS_URL)."""
    from rq import Worker

    global _app
    _app = current_app._get_current_object()
    runner = current_app.extensions["jobs"]
    if not hasattr(runner, "queue"):
        raise click.ClickException("REDIS_URL is not set: jobs run inside the web process")
    Worker([runner.queue], connection=runner.redis).work(burst=burst, with_scheduler=True)
