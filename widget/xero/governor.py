"""The budget governor: what stands between every Accounting API call and Xero's limits.

Xero allows per organisation (tenant) 5 calls in flight, 60 a minute and 5,000 a day, and 10,000 a
minute per app across organisations; a 429 says which was hit. Before each call the governor:
- waits out nothing long: a hold after a 429 (`minute`/`day`: until Retry-After, for that
  organisation; `appminute`: for every organisation) refuses the call at once (WaitingForXero);
  a `concurrent` 429 (Xero sends no Retry-After) only backs off about a second, with jitter,
  and calls arriving meanwhile wait it out when it ends within their wait;
- keeps headroom: the remaining figures Xero sends (`X-MinLimit-Remaining`,
  `X-DayLimit-Remaining`), counted down by each call let through, stop "background" calls (sync)
  at GOVERNOR_MINUTE_HEADROOM / GOVERNOR_DAY_HEADROOM, and "interactive" calls (panels, drafts)
  only when nothing is left, so a sync never takes the calls a rep is waiting for (XeroBudgetLow);
- caps calls in flight: at most GOVERNOR_MAX_IN_FLIGHT (5) per organisation, of which at most
  GOVERNOR_WORKSPACE_MAX_IN_FLIGHT for one workspace and GOVERNOR_BACKGROUND_MAX_IN_FLIGHT for
  background calls; a caller waits for a slot up to GOVERNOR_WAIT_SECONDS, then gets XeroBusy;
- keeps the server for everyone: at most GOVERNOR_SERVER_SHARE of this process's request threads
  may be calling one organisation, and GOVERNOR_MAX_WAITING more may wait (up to
  GOVERNOR_WAIT_SECONDS) for one of them; the next one gets XeroBusy at once, so an organisation
  whose Xero is slow cannot occupy every thread (gunicorn's 8; with the built-in sandbox each
  call also takes a thread for the sandbox's answer).

All of these are XeroRateLimited (nothing was sent; retry after `retry_after`), which the panels
already show as "Error fetching details" with Retry, keeping the last known figures.
The shared state lives behind `GovernorStore` (memory now, Redis later); the server share is per
process by nature (it counts this process's threads).
"""

from __future__ import annotations

import math
import random
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import Any

import requests

from widget.xero.errors import XeroRateLimited
from widget.xero.governor_store import GovernorStore, MemoryGovernorStore
from widget.xero.limits import RateLimitRemaining, rate_limit_problem
from widget.xero.responses import retry_after

INTERACTIVE = "interactive"
BACKGROUND = "background"
CALL_CLASSES = (INTERACTIVE, BACKGROUND)
APP_KEY = "hold:app"
MINUTE_SECONDS = 60


class XeroBusy(XeroRateLimited):
    """Not sent: the organisation already has as many calls in flight as allowed (or this
    server as many threads on it), and none finished within the short wait. Retry shortly."""

    def __init__(self, retry_after: int = 1, *, detail: str = ""):
        super().__init__(retry_after, "concurrent", status=None)
        self.message = f"Xero is busy for this organisation{detail}; retry in {retry_after}s"
        self.args = (self.message,)


class WaitingForXero(XeroRateLimited):
    """Not sent: an earlier 429's Retry-After (or the concurrent back-off) is still running."""

    def __init__(self, retry_after: int, problem: str | None):
        super().__init__(retry_after, problem, status=None)


class XeroBudgetLow(XeroRateLimited):
    """Not sent: what Xero says is left this minute or day is kept back (headroom for
    interactive calls, or nothing left at all)."""

    def __init__(self, retry_after: int, problem: str):
        super().__init__(retry_after, problem, status=None)


@dataclass(frozen=True)
class GovernorSettings:
    max_in_flight: int = 5  # Xero's concurrent limit per organisation
    workspace_max_in_flight: int = 4  # one workspace's share of its organisation's slots
    background_max_in_flight: int = 2  # sync's share: panels always find a slot
    server_share: int = 2  # calls one organisation may have in flight from this process
    max_waiting: int = 2  # requests of this process that may wait for one of those
    wait_seconds: float = 1.0  # how long a call waits for a slot or a back-off
    minute_headroom: int = 10  # calls a minute background calls leave to interactive ones
    day_headroom: int = 500  # calls a day background calls leave to interactive ones
    concurrent_backoff_seconds: float = 1.0  # after a concurrent 429 (jittered 0.5x-1.5x)
    day_recheck_seconds: float = 15 * 60  # a low day figure is trusted this long, then re-asked
    healthy_day_share: float = 0.5  # freshness factor 1 while this share of the day is left
    max_freshness_factor: float = 60.0
    lease_seconds: float = 120.0  # a slot a dead process never released frees itself

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> GovernorSettings:
        """`GOVERNOR_<FIELD>` keys of the app config override the defaults."""
        values = {}
        for field in fields(cls):
            raw = config.get(f"GOVERNOR_{field.name.upper()}")
            if raw is not None:
                values[field.name] = type(getattr(cls, field.name))(raw)
        return cls(**values)


class Governor:
    """One per app: `permit` before each call, `answered` after it (see the module's docstring).
    The store holds what processes share; seats and waiting places count this process's threads."""

    def __init__(
        self,
        store: GovernorStore | None = None,
        settings: GovernorSettings | None = None,
        *,
        jitter: Callable[[], float] = random.random,
    ):
        self.store = store if store is not None else MemoryGovernorStore()
        self.settings = settings or GovernorSettings()
        self._jitter = jitter
        self._seats_changed = threading.Condition()
        self._seats: dict[str, int] = {}  # this process's calls in flight, per organisation
        self._waiting: dict[str, int] = {}  # this process's requests waiting for one

    @classmethod
    def from_config(cls, config: Mapping[str, Any], store: GovernorStore | None = None):
        return cls(store, GovernorSettings.from_config(config))

    # --- before a call --------------------------------------------------------------------

    @contextmanager
    def permit(
        self, tenant_id: str, *, workspace_id: str | None = None, call_class: str = INTERACTIVE
    ) -> Iterator[None]:
        """Hold a slot for one call to the organisation's Accounting API, or raise why not
        (XeroBusy, WaitingForXero, XeroBudgetLow). `call_class`: "interactive" or "background"."""
        if call_class not in CALL_CLASSES:
            raise ValueError(f"unknown call class {call_class!r}")
        deadline = time.monotonic() + self.settings.wait_seconds
        self._refuse_if_held(tenant_id)  # before taking a thread's seat or waiting for one
        with self._seat(tenant_id, call_class, deadline):
            self._wait_out_holds(tenant_id, deadline)
            keys, token = self._slot(tenant_id, workspace_id, call_class, deadline)
            try:
                self._wait_out_holds(tenant_id, deadline)  # a 429 may have come meanwhile
                self._spend(tenant_id, call_class)
                yield
            finally:
                self.store.release_slots(keys, token)

    @contextmanager
    def _seat(self, tenant_id: str, call_class: str, deadline: float) -> Iterator[None]:
        """One of this process's request threads calling the organisation: at most
        `server_share` at once, and at most `max_waiting` more waiting for one of them until the
        deadline. Background calls run on threads of their own and take no seat."""
        if call_class == BACKGROUND:
            yield
            return
        with self._seats_changed:
            if self._seats.get(tenant_id, 0) >= self.settings.server_share:
                self._wait_for_seat(tenant_id, deadline)
            self._seats[tenant_id] = self._seats.get(tenant_id, 0) + 1
        try:
            yield
        finally:
            with self._seats_changed:
                self._seats[tenant_id] -= 1
                self._seats_changed.notify_all()

    def _wait_for_seat(self, tenant_id: str, deadline: float) -> None:
        """Under `_seats_changed`: wait as one of the few allowed to, or raise XeroBusy."""
        if self._waiting.get(tenant_id, 0) >= self.settings.max_waiting:
            raise XeroBusy(detail=" (this server is already waiting on it)")
        self._waiting[tenant_id] = self._waiting.get(tenant_id, 0) + 1
        try:
            while self._seats.get(tenant_id, 0) >= self.settings.server_share:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise XeroBusy(detail=" (this server is already waiting on it)")
                self._seats_changed.wait(left)
        finally:
            self._waiting[tenant_id] -= 1

    def _refuse_if_held(self, tenant_id: str) -> None:
        """Refuse at once while a hold runs, unless it is a brief back-off (waited out later)."""
        hold = self.store.hold_of(hold_keys(tenant_id))
        if hold is not None and hold.problem != "concurrent":
            left = hold.until - self.store.now()
            raise WaitingForXero(max(1, math.ceil(left)), hold.problem)

    def _wait_out_holds(self, tenant_id: str, deadline: float) -> None:
        """Refuse while a hold runs; a brief back-off that ends within the wait is waited out."""
        while (hold := self.store.hold_of(hold_keys(tenant_id))) is not None:
            left = hold.until - self.store.now()
            if hold.problem != "concurrent" or time.monotonic() + left > deadline:
                raise WaitingForXero(max(1, math.ceil(left)), hold.problem)
            time.sleep(max(0.0, left) + 0.01)

    def _slot(
        self, tenant_id: str, workspace_id: str | None, call_class: str, deadline: float
    ) -> tuple[list[str], str]:
        claims = [(slot_key(tenant_id), self.settings.max_in_flight)]
        if workspace_id:
            claims.append(
                (f"slots:{tenant_id}:ws:{workspace_id}", self.settings.workspace_max_in_flight)
            )
        if call_class == BACKGROUND:
            claims.append((f"slots:{tenant_id}:bg", self.settings.background_max_in_flight))
        token = secrets.token_hex(8)
        keys = [key for key, _ in claims]
        while True:
            lease_until = self.store.now() + self.settings.lease_seconds
            if self.store.acquire_slots(claims, token, lease_until):
                return keys, token
            left = deadline - time.monotonic()
            if left <= 0:
                raise XeroBusy(detail=f" ({self.settings.max_in_flight} calls in flight)")
            self.store.wait_for_release(min(left, 0.25))

    def _spend(self, tenant_id: str, call_class: str) -> None:
        background = call_class == BACKGROUND
        denial = self.store.spend(
            tenant_id,
            minute_floor=self.settings.minute_headroom if background else 0,
            day_floor=self.settings.day_headroom if background else 0,
        )
        if denial is not None:
            raise XeroBudgetLow(max(1, math.ceil(denial.seconds)), denial.problem)

    @contextmanager
    def waiting_place(self, tenant_id: str) -> Iterator[None]:
        """For a request about to wait for another request's call to the organisation (a shared
        fetch's followers): waiting holds a thread just as calling does, so it takes one of the
        organisation's GOVERNOR_MAX_WAITING places in this process, or gets XeroBusy at once."""
        with self._seats_changed:
            if self._waiting.get(tenant_id, 0) >= self.settings.max_waiting:
                raise XeroBusy(detail=" (this server is already waiting on it)")
            self._waiting[tenant_id] = self._waiting.get(tenant_id, 0) + 1
        try:
            yield
        finally:
            with self._seats_changed:
                self._waiting[tenant_id] -= 1

    # --- after an answer ------------------------------------------------------------------

    def answered(self, tenant_id: str, response: requests.Response) -> int | None:
        """Learn the remaining figures; after a 429 hold as Xero says. Returns the whole seconds
        the caller should be told to wait after a 429 (None otherwise)."""
        now = self.store.now()
        remaining = RateLimitRemaining.from_headers(response.headers)
        self.store.observe(
            tenant_id,
            remaining.minute_remaining,
            remaining.day_remaining,
            minute_until=now + MINUTE_SECONDS,
            day_until=now + self.settings.day_recheck_seconds,
        )
        if response.status_code != 429:
            return None
        problem = rate_limit_problem(response.headers)
        if problem == "concurrent":  # Xero sends no Retry-After: a call just finished or not
            seconds = self.settings.concurrent_backoff_seconds * (0.5 + self._jitter())
        else:
            seconds = float(retry_after(response))
        key = APP_KEY if problem == "appminute" else f"hold:{tenant_id}"
        self.store.set_hold(key, now + seconds, problem)
        return max(1, math.ceil(seconds))

    # --- for the sync and the admin page --------------------------------------------------

    def freshness_factor(self, tenant_id: str) -> float:
        """How much longer than its target the incremental sync should wait between pulls:
        1 while at least `healthy_day_share` of the day's budget is left, then growing as
        `X-DayLimit-Remaining` runs down (1/4 left: 2x, 1/10 left: 5x), up to
        `max_freshness_factor` when only the headroom is left."""
        budget = self.store.budget(tenant_id)
        if budget.day_left is None or not budget.day_peak:
            return 1.0
        ceiling = self.settings.max_freshness_factor
        if budget.day_left <= self.settings.day_headroom:
            return ceiling
        share = budget.day_left / budget.day_peak
        if share >= self.settings.healthy_day_share:
            return 1.0
        return min(ceiling, self.settings.healthy_day_share / max(share, 1e-9))

    def in_flight(self, tenant_id: str) -> int:
        return self.store.in_flight(slot_key(tenant_id))

    def forget(self, tenant_id: str | None = None) -> None:
        """Drop the organisation's holds and learned budget, or everyone's and the app-wide
        hold with no tenant (tests; after the limits were reset)."""
        self.store.forget(tenant_id)


def slot_key(tenant_id: str) -> str:
    return f"slots:{tenant_id}"


def hold_keys(tenant_id: str) -> list[str]:
    return [f"hold:{tenant_id}", APP_KEY]
