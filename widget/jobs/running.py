"""Running one job inside the app: resolve its function, push the app's context (a request
context at the enqueuing request's root when the sandbox is reached through it), call it."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from flask import Flask

from widget.connection.errors import ConnectionProblem


def resolve(target: str) -> Callable:
    """`package.module:function` to the function (only our own code runs as a job)."""
    module_name, _, name = target.partition(":")
    if not module_name.startswith("widget.") or not name:
        raise ValueError(f"not a job of this app: {target!r}")
    return getattr(importlib.import_module(module_name), name)


def run_in_app(app: Flask, target: str, args, root: str | None = None):
    function = resolve(target)
    needs_root = app.config.get("XERO_USE_SANDBOX") and not app.config.get("XERO_SANDBOX_URL")
    context = app.test_request_context(base_url=root) if root and needs_root else app.app_context()
    with context:
        return function(*args)


def retryable(exc: BaseException) -> bool:
    """Whether waiting can help: a missing or refused connection needs an admin, not time."""
    return not isinstance(exc, ConnectionProblem | ValueError | TypeError)


def delay_for(exc: BaseException, interval: float) -> float:
    """The backoff interval, or longer when Xero said how long to wait (Retry-After)."""
    return max(float(interval), float(getattr(exc, "retry_after", 0) or 0))
