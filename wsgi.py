"""WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi run`."""

import sys

from widget import create_app
from widget.shared.workers import declared_workers, refuse_without_redis

app = create_app()
if "gunicorn" in sys.modules:  # served (not a CLI command): WEB_CONCURRENCY workers need Redis
    refuse_without_redis(declared_workers(), app.config.get("REDIS_URL"))
