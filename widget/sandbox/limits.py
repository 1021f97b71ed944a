"""Xero's per-organisation call limits: calls in flight, per rolling minute, per rolling day
(each organisation's own 24 hours, not midnight-aligned), plus the app-wide minute limit.

Counted in-process (a lock and a few deques): the sandbox normally runs in one process, and this
keeps a panel-sized call free of extra database writes. With several gunicorn workers each
worker counts on its own, so the effective limits are that many times higher. Windows follow the
sandbox clock, so tests can move past them. Limits are read from app.config on every call, so a
test may lower them on a running server.
"""

import math
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Remaining:
    day: int
    minute: int
    app_minute: int

    def headers(self) -> dict[str, str]:
        return {
            "X-DayLimit-Remaining": str(max(self.day, 0)),
            "X-MinLimit-Remaining": str(max(self.minute, 0)),
            "X-AppMinLimit-Remaining": str(max(self.app_minute, 0)),
        }


class RateLimited(Exception):
    def __init__(self, problem: str, retry_after: int, remaining: Remaining):
        super().__init__(problem)
        self.problem, self.retry_after, self.remaining = problem, retry_after, remaining


class Limits:
    def __init__(self, sandbox):
        self._sandbox = sandbox
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._minute: dict[str, deque[datetime]] = {}
            self._app_minute: deque[datetime] = deque()
            self._day: dict[str, deque[datetime]] = {}
            self._in_flight: dict[str, int] = {}

    def _limit(self, name: str, default: int) -> int:
        return int(self._sandbox.config.get(name, default))

    def acquire(self, tenant_id: str) -> Remaining:
        """Admit one call (raise `RateLimited` if a limit is reached); pair with `release`."""
        now = self._sandbox.clock.now()
        with self._lock:
            minute = self._minute.setdefault(tenant_id, deque())
            day = self._day.setdefault(tenant_id, deque())
            _expire(minute, now)
            _expire(day, now, DAY)
            _expire(self._app_minute, now)
            remaining = Remaining(
                self._limit("SANDBOX_DAILY_LIMIT", 5000) - len(day),
                self._limit("SANDBOX_MINUTE_LIMIT", 60) - len(minute),
                self._limit("SANDBOX_APP_MINUTE_LIMIT", 10000) - len(self._app_minute),
            )
            problem = self._problem(tenant_id, remaining)
            if problem:
                retry = self._retry_after(problem, minute, day, now)
                raise RateLimited(problem, retry, remaining)
            minute.append(now)
            self._app_minute.append(now)
            day.append(now)
            self._in_flight[tenant_id] = self._in_flight.get(tenant_id, 0) + 1
            return Remaining(remaining.day - 1, remaining.minute - 1, remaining.app_minute - 1)

    def _problem(self, tenant_id: str, remaining: Remaining) -> str | None:
        if remaining.day <= 0:
            return "day"
        if remaining.app_minute <= 0:
            return "appminute"
        if remaining.minute <= 0:
            return "minute"
        if self._in_flight.get(tenant_id, 0) >= self._limit("SANDBOX_CONCURRENT_LIMIT", 5):
            return "concurrent"
        return None

    def _retry_after(self, problem: str, minute: deque, day: deque, now: datetime) -> int:
        if problem == "day":  # until the oldest call of the rolling day leaves it
            oldest = day[0] if day else now
            return max(1, math.ceil((oldest + DAY - now).total_seconds()))
        if problem in ("minute", "appminute"):
            window = minute if problem == "minute" and minute else self._app_minute
            oldest = window[0] if window else now
            return max(1, math.ceil((oldest + MINUTE - now).total_seconds()))
        return 1

    def release(self, tenant_id: str) -> None:
        with self._lock:
            self._in_flight[tenant_id] = max(0, self._in_flight.get(tenant_id, 0) - 1)

    def peek(self, tenant_id: str) -> Remaining:
        """What is left, without counting a call (for forced 429 answers)."""
        now = self._sandbox.clock.now()
        with self._lock:
            minute = self._minute.get(tenant_id, deque())
            day = self._day.get(tenant_id, deque())
            _expire(minute, now)
            _expire(day, now, DAY)
            return Remaining(
                self._limit("SANDBOX_DAILY_LIMIT", 5000) - len(day),
                self._limit("SANDBOX_MINUTE_LIMIT", 60) - len(minute),
                self._limit("SANDBOX_APP_MINUTE_LIMIT", 10000) - len(self._app_minute),
            )


def _expire(window: deque, now: datetime, length: timedelta = MINUTE) -> None:
    while window and window[0] <= now - length:
        window.popleft()
    # a clock moved backwards (a test reset) must not leave calls "from the future" behind
    while window and window[-1] > now:
        window.pop()
