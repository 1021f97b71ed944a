"""The budget governor's state in Redis, shared by every worker and host (`REDIS_URL`).

Each `GovernorStore` operation that reads and then writes is one Lua script, so it is atomic
across processes as the memory store's lock is within one: slots are sorted sets of call tokens
scored by lease expiry (a dead process's slot frees itself), holds are hashes keeping the later
deadline, budgets are hashes counted down by HINCRBY. Times come from this process's clock
(`now`, passed into the scripts), so hosts need synchronised clocks (NTP), as for the tokens.

Redis unreachable (`SharedRedis` answers None): a call must not run ungoverned, so whatever a
permit needs (holds, slots, budget) refuses with the governor's XeroBusy ("retry shortly");
what is learned after an answer is dropped, a release is left to the slot's lease, and reads
for the admin page and the sync's pacing answer "nothing known". Nothing is retried here: the
SharedRedis breaker tries Redis again after a short pause, so calls resume without a restart.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

from widget.xero.governor import XeroBusy
from widget.xero.governor_store import Budget, Denial, Hold

#: unused keys go away by themselves: a day after a budget's last word, a minute past a lease
BUDGET_TTL_SECONDS = 2 * 24 * 3600
SLACK_SECONDS = 60
#: how long `wait_for_release` sleeps before the governor tries for a slot again
POLL_SECONDS = 0.05

_ACQUIRE = """
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if redis.call('ZCARD', key) >= tonumber(ARGV[4 + i]) then return 0 end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, ARGV[3], ARGV[2])
  redis.call('EXPIRE', key, ARGV[4])
end
return 1
"""

_SET_HOLD = """
local current = tonumber(redis.call('HGET', KEYS[1], 'until'))
if current == nil or current < tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'until', ARGV[1], 'problem', ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
return 1
"""

_OBSERVE = """
if ARGV[1] ~= '' then
  redis.call('HSET', KEYS[1], 'minute_left', ARGV[1], 'minute_until', ARGV[3])
end
if ARGV[2] ~= '' then
  local peak = tonumber(redis.call('HGET', KEYS[1], 'day_peak')) or 0
  if tonumber(ARGV[2]) > peak then peak = tonumber(ARGV[2]) end
  redis.call('HSET', KEYS[1], 'day_left', ARGV[2], 'day_until', ARGV[4], 'day_peak', peak)
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""

_SPEND = """
local b = redis.call('HMGET', KEYS[1], 'minute_left', 'minute_until', 'day_left', 'day_until')
local now = tonumber(ARGV[1])
local minute_left, day_left = tonumber(b[1]), tonumber(b[3])
local minute_known = minute_left ~= nil and now < tonumber(b[2])
local day_known = day_left ~= nil and now < tonumber(b[4])
if minute_known and minute_left <= tonumber(ARGV[2]) then return {'minute', b[2]} end
if day_known and day_left <= tonumber(ARGV[3]) then return {'day', b[4]} end
if minute_known then redis.call('HINCRBY', KEYS[1], 'minute_left', -1) end
if day_known then redis.call('HINCRBY', KEYS[1], 'day_left', -1) end
return false
"""

_UNREACHABLE = object()


class RedisGovernorStore:
    """`GovernorStore` on the app's `SharedRedis` (widget.shared.redis), under its key prefix."""

    def __init__(self, shared, *, clock: Callable[[], float] = time.time) -> None:
        self.shared = shared
        self._clock = clock
        client = shared.client
        self._acquire = client.register_script(_ACQUIRE)
        self._set_hold = client.register_script(_SET_HOLD)
        self._observe = client.register_script(_OBSERVE)
        self._spend = client.register_script(_SPEND)

    def now(self) -> float:
        return self._clock()

    def _key(self, key: str) -> str:
        return self.shared.key("governor", key)

    def _budget_key(self, tenant_id: str) -> str:
        return self.shared.key("governor", "budget", tenant_id)

    def _needed(self, action):
        """`action(client)` for something a permit cannot do without: XeroBusy when Redis is
        unreachable, so no call goes to Xero ungoverned."""
        result = self.shared.call(action, default=_UNREACHABLE)
        if result is _UNREACHABLE:
            raise XeroBusy(2, detail=" (its shared limits cannot be checked just now)")
        return result

    # --- slots ----------------------------------------------------------------------------

    def acquire_slots(
        self, claims: Sequence[tuple[str, int]], token: str, lease_until: float
    ) -> bool:
        now = self.now()
        keys = [self._key(key) for key, _ in claims]
        ttl = max(1, math.ceil(lease_until - now)) + SLACK_SECONDS
        args = [repr(now), token, repr(lease_until), ttl, *(limit for _, limit in claims)]
        return bool(self._needed(lambda client: self._acquire(keys, args, client=client)))

    def release_slots(self, keys: Sequence[str], token: str) -> None:
        def release(client):
            with client.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.zrem(self._key(key), token)
                pipe.execute()

        self.shared.call(release)  # unreachable: the slot's lease frees it

    def in_flight(self, key: str) -> int:
        now = self.now()

        def count(client):
            return client.zcount(self._key(key), f"({now!r}", "+inf")

        return int(self.shared.call(count, default=0))

    def wait_for_release(self, timeout: float) -> None:
        time.sleep(max(0.0, min(timeout, POLL_SECONDS)))

    # --- holds ----------------------------------------------------------------------------

    def set_hold(self, key: str, until: float, problem: str | None) -> None:
        ttl = max(1, math.ceil(until - self.now())) + 1
        args = [repr(until), problem or "", ttl]
        self.shared.call(lambda client: self._set_hold([self._key(key)], args, client=client))

    def hold_of(self, keys: Sequence[str]) -> Hold | None:
        def read(client):
            with client.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.hmget(self._key(key), "until", "problem")
                return pipe.execute()

        now = self.now()
        running = [
            Hold(float(until), problem.decode() or None)
            for until, problem in self._needed(read)
            if until is not None and float(until) > now
        ]
        return max(running, key=lambda hold: hold.until, default=None)

    # --- budgets --------------------------------------------------------------------------

    def observe(
        self, tenant_id: str, minute_left: int | None, day_left: int | None, *,
        minute_until: float, day_until: float,
    ) -> None:  # fmt: skip
        args = ["" if minute_left is None else int(minute_left),
                "" if day_left is None else int(day_left),
                repr(minute_until), repr(day_until), BUDGET_TTL_SECONDS]  # fmt: skip
        keys = [self._budget_key(tenant_id)]
        self.shared.call(lambda client: self._observe(keys, args, client=client))

    def spend(self, tenant_id: str, minute_floor: int, day_floor: int) -> Denial | None:
        now = self.now()
        keys = [self._budget_key(tenant_id)]
        args = [repr(now), minute_floor, day_floor]
        denial = self._needed(lambda client: self._spend(keys, args, client=client))
        if denial is None:
            return None
        problem, until = denial
        return Denial(problem.decode(), float(until) - now)

    def budget(self, tenant_id: str) -> Budget:
        fields = ("minute_left", "minute_until", "day_left", "day_until", "day_peak")
        key = self._budget_key(tenant_id)
        values = self.shared.call(lambda client: client.hmget(key, *fields)) or [None] * 5
        minute_left, minute_until, day_left, day_until, day_peak = values
        return Budget(
            minute_left=_int(minute_left),
            minute_until=float(minute_until or 0),
            day_left=_int(day_left),
            day_until=float(day_until or 0),
            day_peak=_int(day_peak),
        )

    def forget(self, tenant_id: str | None) -> None:
        def drop(client):
            if tenant_id is not None:
                client.delete(self._key(f"hold:{tenant_id}"), self._budget_key(tenant_id))
                return
            for pattern in (self._key("hold:*"), self._budget_key("*")):
                for key in client.scan_iter(match=pattern, count=500):
                    client.delete(key)

        self.shared.call(drop)


def _int(raw: bytes | None) -> int | None:
    return None if raw is None else int(float(raw))
