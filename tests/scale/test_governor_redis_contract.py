"""The governor store's contract (tests/xero/test_governor_store.py), run here against the Redis
store: the same tests, with `store` a RedisGovernorStore under a key prefix of its own on the
machine's Redis and the same frozen clock."""

from __future__ import annotations

import pytest

from tests.scale.conftest import SHARED_REDIS_URL
from tests.xero.test_governor_store import *  # noqa: F403 (the contract's tests, collected here)
from tests.xero.test_governor_store import clock  # noqa: F401 (the contract's frozen clock)
from widget.shared.redis import SharedRedis
from widget.xero.governor_redis import RedisGovernorStore


@pytest.fixture
def store(clock, redis_prefix):  # noqa: F811 (the contract's store, on Redis)
    shared = SharedRedis(SHARED_REDIS_URL, redis_prefix)
    yield RedisGovernorStore(shared, clock=clock)
    shared.close()


def test_the_contract_runs_on_redis(store, redis_prefix):
    store.set_hold("hold:t", store.now() + 5, "minute")
    assert store.shared.client.exists(f"{redis_prefix}governor:hold:t")
