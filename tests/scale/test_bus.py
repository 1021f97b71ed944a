"""The invalidation bus hears every channel subscribed, however late: a cache registered while
the listener was still subscribing to the earlier channels must not be left deaf while the bus
says it is listening (its entries would then never be dropped)."""

from __future__ import annotations

import threading
import time

import pytest

from tests.scale.conftest import SHARED_REDIS_URL
from tests.scale.waiting import eventually
from widget.shared.bus import InvalidationBus
from widget.shared.redis import SharedRedis


@pytest.mark.parametrize("delay", [0.0, 0.0005, 0.001, 0.002, 0.004, 0.008])
def test_a_channel_subscribed_while_the_listener_subscribes_is_heard(redis_prefix, delay):
    """The second channel is added at different moments of the listener's first subscription
    (which takes a round trip to Redis); each time, `listening` waits for it and it is heard."""
    shared = SharedRedis(SHARED_REDIS_URL, redis_prefix)
    bus = InvalidationBus(shared)
    heard: list[str] = []
    try:
        bus.subscribe("first", lambda _text: None, lambda: None)
        time.sleep(delay)
        bus.subscribe("second", heard.append, lambda: None)
        assert eventually(lambda: bus.listening)
        bus.publish("second", "hello")
        assert eventually(lambda: heard == ["hello"])  # the second channel is heard
    finally:
        bus.stop()
        shared.close()


def test_not_listening_until_a_new_channel_is_subscribed(redis_prefix):
    shared = SharedRedis(SHARED_REDIS_URL, redis_prefix)
    bus = InvalidationBus(shared)
    try:
        bus.subscribe("first", lambda _text: None, lambda: None)
        assert eventually(lambda: bus.listening)
        resets = threading.Event()
        bus.subscribe("second", lambda _text: None, resets.set)
        assert not bus.listening  # the second channel is not heard yet: its copies unusable
        assert eventually(lambda: bus.listening)
        assert resets.is_set()  # told to start afresh once heard
    finally:
        bus.stop()
        shared.close()
