"""Several workers need Redis: without it every worker would keep its own cache, single flight,
session cache and rate counts, and each would spend the organisation's Xero limits as if it were
alone. Checked by gunicorn.conf.py (`on_starting`, whatever starts gunicorn), by scripts/run, and
by wsgi.py for WEB_CONCURRENCY."""

from __future__ import annotations

import os

MESSAGE = (
    "Refusing to start {workers} workers without REDIS_URL: each worker would keep its own "
    "cache, sessions and Xero rate counts, so the organisation's Xero limits would be spent "
    "{workers} times over and a change seen by one worker would be missed by the others. "
    "Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) or run one worker (WEB_CONCURRENCY=1)."
)


class SeveralWorkersNeedRedis(SystemExit):
    """Raised at startup; a SystemExit so gunicorn stops with the message instead of a trace."""


def refuse_without_redis(workers: int, redis_url: str | None) -> None:
    if workers > 1 and not redis_url:
        raise SeveralWorkersNeedRedis(MESSAGE.format(workers=workers))


def declared_workers(environ=os.environ) -> int:
    """WEB_CONCURRENCY (gunicorn's default worker count), 1 when unset or not a number."""
    try:
        return max(1, int(environ.get("WEB_CONCURRENCY", "1")))
    except ValueError:
        return 1
