"""The shared cache on Redis: values survive the trip, two processes (two cache objects, as two
workers have) share entries, invalidation and single flight, and a Redis that goes away and
comes back costs no errors."""

from __future__ import annotations

import threading
import time
from datetime import date
from decimal import Decimal

import pytest

from tests.scale.conftest import SHARED_REDIS_URL
from widget.cache import CacheScope, RedisCache, WidgetCodec
from widget.contact.service import OrgProfile
from widget.shared.redis import SharedRedis

SCOPE = CacheScope("ws-1", "tenant-1")


def two_workers(url: str, prefix: str) -> tuple[RedisCache, RedisCache]:
    return RedisCache(SharedRedis(url, prefix)), RedisCache(SharedRedis(url, prefix))


def test_values_survive_the_trip_and_are_shared_between_workers(redis_prefix):
    first, second = two_workers(SHARED_REDIS_URL, redis_prefix)
    profile = OrgProfile("Demo Company (NZ)", "!a1B2", "NZD", "Pacific/Auckland")
    first.set(SCOPE, "org", profile, ttl=60)
    first.set(SCOPE, "figures", {"due": Decimal("12.30"), "on": date(2026, 11, 30)}, ttl=60)
    assert second.get(SCOPE, "org").value == profile
    assert second.get(SCOPE, "figures").value == {"due": Decimal("12.30"), "on": date(2026, 11, 30)}
    assert second.get(CacheScope("ws-2", "tenant-1"), "org") is None  # nothing crosses workspaces


def test_invalidation_after_a_write_reaches_the_other_worker(redis_prefix):
    first, second = two_workers(SHARED_REDIS_URL, redis_prefix)
    first.set(SCOPE, "company-docs:1", "old figures", ttl=300)
    first.set(SCOPE, "org", "organisation", ttl=300)
    assert second.invalidate(SCOPE, "company-docs:") == 1
    assert first.get(SCOPE, "company-docs:1") is None  # no longer fresh...
    assert first.get(SCOPE, "company-docs:1", allow_stale=True).value == "old figures"  # ...kept
    assert first.get(SCOPE, "org").value == "organisation"


def test_one_fetch_for_concurrent_misses_in_two_workers(redis_prefix):
    first, second = two_workers(SHARED_REDIS_URL, redis_prefix)
    calls = []

    def slow_fetch():
        calls.append(1)
        time.sleep(0.3)
        return "figures"

    results = []

    def view(cache):
        results.append(cache.get_or_fetch(SCOPE, "docs:c-1", slow_fetch, ttl=60).value)

    threads = [threading.Thread(target=view, args=(cache,)) for cache in (first, second) * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert results == ["figures"] * 4
    assert len(calls) == 1


def test_a_failed_fetch_in_one_worker_lets_the_other_fetch(redis_prefix):
    first, second = two_workers(SHARED_REDIS_URL, redis_prefix)

    def failing():
        raise RuntimeError("Xero said 503")

    with pytest.raises(RuntimeError):
        first.get_or_fetch(SCOPE, "docs:c-2", failing, ttl=60)
    fetched = second.get_or_fetch(SCOPE, "docs:c-2", lambda: "figures", ttl=60, wait_timeout=2)
    assert fetched.value == "figures" and not fetched.from_cache


def test_the_cache_keeps_answering_while_redis_is_away(own_redis):
    cache = RedisCache(SharedRedis(own_redis.url, "outage:"))
    cache.set(SCOPE, "org", "organisation", ttl=300)
    own_redis.stop()
    began = time.monotonic()
    assert cache.get(SCOPE, "org").value == "organisation"  # the local copy
    assert cache.get_or_fetch(SCOPE, "docs:c-3", lambda: "figures", ttl=60).value == "figures"
    assert cache.get_or_fetch(SCOPE, "docs:c-3", lambda: "again", ttl=60).value == "figures"
    assert cache.invalidate(SCOPE, "docs:") == 1
    assert time.monotonic() - began < 3  # one short timeout, then no more tries for a while
    own_redis.start()
    time.sleep(2.1)  # the pause after a failure (widget.shared.redis.RETRY_AFTER)
    cache.set(SCOPE, "org", "organisation again", ttl=300)
    other = RedisCache(SharedRedis(own_redis.url, "outage:"))
    assert other.get(SCOPE, "org").value == "organisation again"  # shared again


def test_the_codec_rebuilds_only_widget_dataclasses_and_enums():
    codec = WidgetCodec()
    with pytest.raises(ValueError):
        codec.decode(b'{"$type":"os.system","$fields":{}}')
    with pytest.raises(ValueError):
        codec.decode(b'{"$type":"widget.cache.RedisCache","$fields":{}}')


def test_a_near_copy_saves_round_trips_and_is_dropped_when_another_worker_writes(redis_prefix):
    from widget.shared.bus import InvalidationBus

    caches = []
    for _ in range(2):
        shared = SharedRedis(SHARED_REDIS_URL, redis_prefix)
        caches.append(RedisCache(shared, bus=InvalidationBus(shared)))
    first, second = caches
    deadline = time.monotonic() + 5
    while not all(cache._bus.listening for cache in caches) and time.monotonic() < deadline:
        time.sleep(0.01)
    first.set(SCOPE, "docs:c-9", "figures", ttl=300)
    time.sleep(0.3)  # its announcement reaches the second (which would drop a copy made before)
    assert second.get(SCOPE, "docs:c-9").value == "figures"  # read from Redis, copied
    second._redis.client.delete(second._rkey(SCOPE.prefix + "docs:c-9"))  # behind its back
    assert second.get(SCOPE, "docs:c-9").value == "figures"  # the near copy: no round trip
    first.set(SCOPE, "docs:c-9", "new figures", ttl=300)  # announced to every process
    deadline = time.monotonic() + 2
    while second.get(SCOPE, "docs:c-9").value != "new figures" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert second.get(SCOPE, "docs:c-9").value == "new figures"
    first.invalidate(SCOPE, "docs:")
    deadline = time.monotonic() + 2
    while second.get(SCOPE, "docs:c-9") is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert second.get(SCOPE, "docs:c-9") is None  # no longer fresh anywhere
    for cache in caches:
        cache._bus.stop()
