"""The one Redis connection of a process, and what happens when Redis is away.

Every caller goes through `SharedRedis.call`, which answers None instead of raising when Redis
cannot be reached: callers then fall back to what works in process (no cache, the database).
After a failure Redis is left alone for `RETRY_AFTER` seconds, so an outage costs one short
timeout now and then rather than one per request; the first call after that tries again, so
everything recovers without a restart. Keys carry REDIS_KEY_PREFIX, so several apps (or test
runs, or benchmarks) can share one Redis without seeing each other's keys.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from flask import Flask, current_app

log = logging.getLogger(__name__)

EXTENSION = "shared_redis"
DEFAULT_PREFIX = "widget:"
#: seconds: short, so that an unreachable Redis delays a request by little
SOCKET_TIMEOUT = 0.5
RETRY_AFTER = 2.0

T = TypeVar("T")


class SharedRedis:
    """A Redis client with a key prefix and a breaker: `call(fn)` is fn(client), or None while
    Redis is unreachable."""

    def __init__(self, url: str, prefix: str = DEFAULT_PREFIX, *, clock=time.monotonic) -> None:
        self.url = url
        self.prefix = prefix
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT,
            socket_connect_timeout=SOCKET_TIMEOUT,
            health_check_interval=30,
        )
        self._clock = clock
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._was_down = False

    def key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    @property
    def available(self) -> bool:
        """False while in the pause after a failure (nothing is tried meanwhile)."""
        return self._clock() >= self._down_until

    def call(self, action: Callable[[redis.Redis], T], default: Any = None) -> T | Any:
        """`action(client)`, or `default` when Redis is down (logged once per outage)."""
        if not self.available:
            return default
        try:
            result = action(self.client)
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            self.failed(exc)
            return default
        if self._was_down:
            with self._lock:
                self._was_down = False
            log.warning("redis reachable again", extra={"fields": {"url": self.safe_url}})
        return result

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            self._down_until = self._clock() + RETRY_AFTER
            first = not self._was_down
            self._was_down = True
        if first:
            log.warning(
                "redis unreachable: working in process until it is back",
                extra={"fields": {"url": self.safe_url, "error": type(exc).__name__}},
            )

    @property
    def safe_url(self) -> str:
        """The URL without a password, for logs."""
        pool = self.client.connection_pool.connection_kwargs
        return f"redis://{pool.get('host', '?')}:{pool.get('port', '?')}/{pool.get('db', 0)}"

    def close(self) -> None:
        self.client.close()


def shared_redis(app: Flask | None = None) -> SharedRedis | None:
    """The app's Redis (None without REDIS_URL)."""
    return (app or current_app).extensions.get(EXTENSION)


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    if url:
        prefix = app.config.get("REDIS_KEY_PREFIX") or DEFAULT_PREFIX
        app.extensions[EXTENSION] = SharedRedis(url, prefix)
