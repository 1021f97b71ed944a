"""Where the budget governor keeps its state: in-flight slots, holds and remaining-call budgets.

Every method is one atomic step over a few keys, so a Redis store (issue 10) can implement each
as one Lua script and share the state between processes and hosts: slots are sorted sets of
tokens scored by lease expiry (ZREMRANGEBYSCORE, ZCARD, ZADD), holds are keys keeping the later
deadline, budgets are small hashes decremented and overwritten. `MemoryGovernorStore` is the
in-process version (one gunicorn worker; tests).

Times are the store's clock in seconds (`now()`), which tests may move; waiting for a slot to be
released uses real time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Hold:
    """Nothing goes to Xero under this key until `until`; `problem` is the 429's kind."""

    until: float
    problem: str | None


@dataclass(frozen=True)
class Denial:
    """The budget keeps this call back: `problem` ("minute" or "day") for `seconds`."""

    problem: str
    seconds: float


@dataclass(frozen=True)
class Budget:
    """What Xero last said is left (minus the calls let through since), and until when it holds;
    `day_peak` is the most seen left in a day, the estimate of the day's whole budget."""

    minute_left: int | None = None
    minute_until: float = 0.0
    day_left: int | None = None
    day_until: float = 0.0
    day_peak: int | None = None


@runtime_checkable
class GovernorStore(Protocol):
    def now(self) -> float: ...

    def acquire_slots(
        self, claims: Sequence[tuple[str, int]], token: str, lease_until: float
    ) -> bool:
        """Take a slot under every (key, limit) or none: False when any key is at its limit.
        Slots whose lease ran out (a process died mid-call) no longer count."""
        ...

    def release_slots(self, keys: Sequence[str], token: str) -> None: ...

    def in_flight(self, key: str) -> int: ...

    def wait_for_release(self, timeout: float) -> None:
        """Block until some slot is released or `timeout` real seconds pass (may return early)."""
        ...

    def set_hold(self, key: str, until: float, problem: str | None) -> None:
        """Hold the key until `until`, keeping an existing later hold."""
        ...

    def hold_of(self, keys: Sequence[str]) -> Hold | None:
        """The hold running longest among the keys, if any is still running."""
        ...

    def observe(
        self, tenant_id: str, minute_left: int | None, day_left: int | None, *,
        minute_until: float, day_until: float,
    ) -> None:  # fmt: skip
        """Xero's figures from an answer replace the estimates (absent ones are kept)."""
        ...

    def spend(self, tenant_id: str, minute_floor: int, day_floor: int) -> Denial | None:
        """Let one call through (count it against the estimates) unless what is left is at or
        below the floors."""
        ...

    def budget(self, tenant_id: str) -> Budget: ...

    def forget(self, tenant_id: str | None) -> None:
        """Drop the organisation's holds and budget; None: every hold and budget."""
        ...


class MemoryGovernorStore:
    """The governor's state in this process, under one lock."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self._clock = clock
        self._changed = threading.Condition()
        self._slots: dict[str, dict[str, float]] = {}
        self._holds: dict[str, Hold] = {}
        self._budgets: dict[str, Budget] = {}

    def now(self) -> float:
        return self._clock()

    # --- slots ----------------------------------------------------------------------------

    def acquire_slots(
        self, claims: Sequence[tuple[str, int]], token: str, lease_until: float
    ) -> bool:
        now = self.now()
        with self._changed:
            for key, limit in claims:
                slots = self._live_slots(key, now)
                if len(slots) >= limit:
                    return False
            for key, _limit in claims:
                self._slots.setdefault(key, {})[token] = lease_until
            return True

    def release_slots(self, keys: Sequence[str], token: str) -> None:
        with self._changed:
            for key in keys:
                self._slots.get(key, {}).pop(token, None)
            self._changed.notify_all()

    def in_flight(self, key: str) -> int:
        with self._changed:
            return len(self._live_slots(key, self.now()))

    def wait_for_release(self, timeout: float) -> None:
        with self._changed:
            self._changed.wait(max(0.0, timeout))

    def _live_slots(self, key: str, now: float) -> dict[str, float]:
        slots = self._slots.setdefault(key, {})
        for token in [t for t, lease in slots.items() if lease <= now]:
            del slots[token]
        return slots

    # --- holds ----------------------------------------------------------------------------

    def set_hold(self, key: str, until: float, problem: str | None) -> None:
        with self._changed:
            current = self._holds.get(key)
            if current is None or current.until < until:
                self._holds[key] = Hold(until, problem)

    def hold_of(self, keys: Sequence[str]) -> Hold | None:
        now = self.now()
        with self._changed:
            running = [h for h in (self._holds.get(k) for k in keys) if h and h.until > now]
        return max(running, key=lambda hold: hold.until, default=None)

    # --- budgets --------------------------------------------------------------------------

    def observe(
        self, tenant_id: str, minute_left: int | None, day_left: int | None, *,
        minute_until: float, day_until: float,
    ) -> None:  # fmt: skip
        with self._changed:
            old = self._budgets.get(tenant_id, Budget())
            new = old
            if minute_left is not None:
                new = _replace(new, minute_left=minute_left, minute_until=minute_until)
            if day_left is not None:
                peak = max(day_left, old.day_peak or 0)
                new = _replace(new, day_left=day_left, day_until=day_until, day_peak=peak)
            self._budgets[tenant_id] = new

    def spend(self, tenant_id: str, minute_floor: int, day_floor: int) -> Denial | None:
        now = self.now()
        with self._changed:
            budget = self._budgets.get(tenant_id, Budget())
            minute_known = budget.minute_left is not None and now < budget.minute_until
            day_known = budget.day_left is not None and now < budget.day_until
            if minute_known and budget.minute_left <= minute_floor:
                return Denial("minute", budget.minute_until - now)
            if day_known and budget.day_left <= day_floor:
                return Denial("day", budget.day_until - now)
            self._budgets[tenant_id] = _replace(
                budget,
                minute_left=budget.minute_left - 1 if minute_known else budget.minute_left,
                day_left=budget.day_left - 1 if day_known else budget.day_left,
            )
            return None

    def budget(self, tenant_id: str) -> Budget:
        with self._changed:
            return self._budgets.get(tenant_id, Budget())

    def forget(self, tenant_id: str | None) -> None:
        with self._changed:
            if tenant_id is None:
                self._budgets.clear()
                self._holds.clear()
                return
            self._budgets.pop(tenant_id, None)
            for key in [k for k in self._holds if k.endswith(f":{tenant_id}")]:
                del self._holds[key]


def _replace(budget: Budget, **changes) -> Budget:
    return Budget(**{**budget.__dict__, **changes})
