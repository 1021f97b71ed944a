"""Read by gunicorn when started from this folder: it refuses several workers without Redis
(widget.shared.workers says why) before any worker starts."""

import os


def on_starting(server):
    from widget.shared.workers import refuse_without_redis

    refuse_without_redis(server.cfg.workers, os.environ.get("REDIS_URL"))
