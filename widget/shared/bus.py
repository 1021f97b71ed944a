"""Invalidation messages between processes: one Redis pub/sub connection per process, shared by
every in-process copy of shared state (panel sessions, cache entries).

A copy may be trusted only while its process is listening: a message published while it was
not (Redis away, a dropped connection) is lost, so on (re)subscribing every subscriber is told to
start afresh (`on_reset`), and `listening` is False meanwhile, when subscribers go to the shared
store (or the database) instead of their copy.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from widget.shared.redis import SharedRedis

log = logging.getLogger(__name__)

#: how long a listener waits between tries while Redis is away
RECONNECT_SECONDS = 0.5


@dataclass
class _Subscriber:
    on_message: Callable[[str], None]
    on_reset: Callable[[], None]


class InvalidationBus:
    def __init__(self, redis: SharedRedis) -> None:
        self._redis = redis
        self._subscribers: dict[str, list[_Subscriber]] = {}
        self._lock = threading.Lock()
        self._listening = False
        #: bumped by every subscribe; the listener trusts only the channels of the version it
        #: subscribed to (a flag set to False here could be overwritten by a listener that had
        #: just subscribed without the new channel: its subscriber would never hear a message)
        self._version = 0
        self._listening_version = -1
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def listening(self) -> bool:
        """True while every channel subscribed so far is being listened to."""
        return self._listening and self._listening_version == self._version

    def subscribe(self, channel: str, on_message, on_reset) -> None:
        with self._lock:
            self._subscribers.setdefault(self._redis.key(channel), []).append(
                _Subscriber(on_message, on_reset)
            )
            self._version += 1  # the listener subscribes again, with the new channel
            if self._thread is None:
                self._thread = threading.Thread(target=self._listen, name="invalidations",
                                                daemon=True)  # fmt: skip
                self._thread.start()

    def publish(self, channel: str, message: str) -> None:
        self._redis.call(lambda client: client.publish(self._redis.key(channel), message))

    def stop(self) -> None:
        self._stopped.set()

    def _reset_all(self) -> None:
        for subscribers in list(self._subscribers.values()):
            for subscriber in subscribers:
                subscriber.on_reset()

    def _listen(self) -> None:
        while not self._stopped.is_set():
            pubsub = self._redis.client.pubsub(ignore_subscribe_messages=True)
            try:
                with self._lock:
                    channels, version = list(self._subscribers), self._version
                pubsub.subscribe(*channels)
                pubsub.get_message(timeout=1.0)  # the subscription's confirmation
                self._reset_all()
                self._listening_version, self._listening = version, True
                while not self._stopped.is_set() and self.listening:
                    message = pubsub.get_message(timeout=1.0)
                    if message and message["type"] == "message":
                        for subscriber in self._subscribers.get(message["channel"].decode(), ()):
                            subscriber.on_message(message["data"].decode())
            except Exception as exc:  # noqa: BLE001 (any failure: stop trusting the copies)
                if self._listening:
                    log.warning(
                        "invalidation channel lost: shared state read from its store",
                        extra={"fields": {"error": type(exc).__name__}},
                    )
                self._listening = False
                time.sleep(RECONNECT_SECONDS)
            finally:
                with contextlib.suppress(Exception):  # closing a broken connection
                    pubsub.close()


EXTENSION = "shared_bus"


def bus_for(app) -> InvalidationBus | None:
    """The app's bus (one per app and process), None without REDIS_URL."""
    from widget.shared.redis import shared_redis

    redis = shared_redis(app)
    if redis is None:
        return None
    if EXTENSION not in app.extensions:
        app.extensions[EXTENSION] = InvalidationBus(redis)
    return app.extensions[EXTENSION]
