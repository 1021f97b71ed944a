"""Xero's remaining-call figures, read from every response and handed to a recorder per tenant.

The admin page shows "calls left today" and the app slows down before Xero says 429, so the
figures of every answer (successes, failures and 429s alike) are worth keeping.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

DAY_HEADER = "X-DayLimit-Remaining"
MINUTE_HEADER = "X-MinLimit-Remaining"
APP_MINUTE_HEADER = "X-AppMinLimit-Remaining"
PROBLEM_HEADER = "X-Rate-Limit-Problem"
PROBLEMS = ("minute", "day", "concurrent", "appminute")


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        return int(str(raw).strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class RateLimitRemaining:
    day_remaining: int | None
    minute_remaining: int | None
    app_minute_remaining: int | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimitRemaining:
        """Figures from a response's headers (a case-insensitive mapping); absent ones are None."""
        return cls(
            day_remaining=_header_int(headers, DAY_HEADER),
            minute_remaining=_header_int(headers, MINUTE_HEADER),
            app_minute_remaining=_header_int(headers, APP_MINUTE_HEADER),
        )

    def merged_over(self, older: RateLimitRemaining | None) -> RateLimitRemaining:
        """These figures, keeping older ones where this response carried none."""
        if older is None:
            return self
        return RateLimitRemaining(
            day_remaining=_first(self.day_remaining, older.day_remaining),
            minute_remaining=_first(self.minute_remaining, older.minute_remaining),
            app_minute_remaining=_first(self.app_minute_remaining, older.app_minute_remaining),
        )


def _first(value: int | None, fallback: int | None) -> int | None:
    return value if value is not None else fallback


def rate_limit_problem(headers: Mapping[str, str]) -> str | None:
    """Which limit a 429 hit: minute, day, concurrent, appminute; None if Xero did not say."""
    value = (headers.get(PROBLEM_HEADER) or "").strip().lower()
    return value if value in PROBLEMS else None


@runtime_checkable
class LimitRecorder(Protocol):
    def record(self, tenant_id: str, remaining: RateLimitRemaining, succeeded: bool) -> None: ...


class MemoryLimitRecorder:
    """Keeps the latest figures per tenant in this process (the default; tests, one worker)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: dict[str, RateLimitRemaining] = {}
        self._last_success: dict[str, datetime] = {}

    def record(self, tenant_id: str, remaining: RateLimitRemaining, succeeded: bool) -> None:
        with self._lock:
            self._latest[tenant_id] = remaining.merged_over(self._latest.get(tenant_id))
            if succeeded:
                self._last_success[tenant_id] = datetime.now(UTC)

    def latest(self, tenant_id: str) -> RateLimitRemaining | None:
        with self._lock:
            return self._latest.get(tenant_id)

    def last_success_at(self, tenant_id: str) -> datetime | None:
        with self._lock:
            return self._last_success.get(tenant_id)
