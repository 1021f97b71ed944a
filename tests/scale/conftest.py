"""Fixtures for the scale tests: a key prefix of its own on the machine's Redis (cleaned after),
and a Redis server of the test's own (on its own port) for outages."""

from __future__ import annotations

import secrets

import pytest
import redis

from tests.scale.servers import OwnRedis

SHARED_REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_prefix():
    """A prefix on the machine's Redis for this test; its keys are deleted afterwards."""
    prefix = f"test-scale-{secrets.token_hex(4)}:"
    yield prefix
    client = redis.Redis.from_url(SHARED_REDIS_URL)
    for key in client.scan_iter(match=prefix + "*", count=1000):
        client.delete(key)
    client.close()


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server started by the test on a free port (never the machine's shared one)."""
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()
