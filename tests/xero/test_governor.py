"""The budget governor against the sandbox over a real socket: what each kind of 429 holds and for
how long, the in-flight cap counted where the calls arrive, headroom that stops background calls
before interactive ones, and the sync's freshness factor from Xero's own remaining figures."""

from __future__ import annotations

import threading
import time

import pytest

from tests.contact.support import OffsetClock
from tests.xero.governor_support import NZ, UK, governor, serve_governed
from widget.xero import XeroRateLimited
from widget.xero.governor import BACKGROUND, WaitingForXero, XeroBudgetLow


@pytest.fixture(scope="module")
def governed(tmp_path_factory):
    yield from serve_governed(tmp_path_factory)


@pytest.fixture
def env(governed, monkeypatch):
    governed.restore()
    yield governed
    governed.restore()


def test_a_concurrent_429_backs_off_about_a_second_not_a_minute(env):
    rules = governor(wait_seconds=2.0, concurrent_backoff_seconds=1.0)
    client = env.client(NZ, rules)
    env.sandbox.faults.set(NZ, force_429=1, force_429_problem="concurrent")
    with pytest.raises(XeroRateLimited) as caught:
        client.currencies()
    assert caught.value.problem == "concurrent" and caught.value.retry_after == 1
    began = time.monotonic()
    assert client.currencies()  # waits out the back-off (it ends within its wait), then calls
    waited = time.monotonic() - began
    assert 0.9 <= waited < 1.9
    assert env.meter.calls(env.tenant(NZ)) == [429, 200]

    impatient = governor(wait_seconds=0.2, concurrent_backoff_seconds=1.0)
    env.sandbox.faults.set(NZ, force_429=1, force_429_problem="concurrent")
    with pytest.raises(XeroRateLimited):
        env.client(NZ, impatient).currencies()
    with pytest.raises(WaitingForXero) as held:  # too long for this caller: told to retry at once
        env.client(NZ, impatient).currencies()
    assert held.value.retry_after == 1 and held.value.problem == "concurrent"
    assert env.meter.calls(env.tenant(NZ)) == [429, 200, 429]
    time.sleep(1.05)
    assert env.client(NZ, impatient).currencies()


def test_a_minute_429_holds_the_organisation_until_retry_after(env, monkeypatch):
    clock = OffsetClock()
    rules = governor(clock)
    monkeypatch.setitem(env.live.app.config, "SANDBOX_MINUTE_LIMIT", 3)
    for _ in range(3):  # another process spent this minute's calls
        env.client(NZ, None).currencies()
    with pytest.raises(XeroRateLimited) as caught:
        env.client(NZ, rules).currencies()
    assert caught.value.problem == "minute" and 30 <= caught.value.retry_after <= 60
    clock.freeze()
    clock.advance(caught.value.retry_after - 5)
    with pytest.raises(WaitingForXero) as held:
        env.client(NZ, rules).invoices(page=1)
    assert held.value.problem == "minute" and 1 <= held.value.retry_after <= 5
    assert env.client(UK, rules).currencies()  # other organisations are not held
    assert env.meter.calls(env.tenant(NZ)) == [200, 200, 200, 429]
    env.sandbox.limits.reset()
    clock.advance(6)
    assert env.client(NZ, rules).currencies()


def test_a_day_429_holds_the_organisation_until_retry_after(env, monkeypatch):
    clock = OffsetClock()
    rules = governor(clock)
    monkeypatch.setitem(env.live.app.config, "SANDBOX_DAILY_LIMIT", 2)
    for _ in range(2):
        env.client(NZ, None).currencies()
    with pytest.raises(XeroRateLimited) as caught:
        env.client(NZ, rules).currencies()
    assert caught.value.problem == "day"
    clock.freeze()
    clock.advance(caught.value.retry_after - 1)
    with pytest.raises(WaitingForXero) as held:
        env.client(NZ, rules, call_class=BACKGROUND).currencies()
    assert held.value.problem == "day"
    assert env.meter.calls(env.tenant(NZ)) == [200, 200, 429]
    assert env.client(UK, rules).currencies()
    env.sandbox.limits.reset()
    clock.advance(2)
    assert env.client(NZ, rules).currencies()


def test_an_app_minute_429_holds_every_organisation(env):
    clock = OffsetClock()
    rules = governor(clock)
    env.sandbox.faults.set(NZ, force_429=1, force_429_problem="appminute")
    with pytest.raises(XeroRateLimited):
        env.client(NZ, rules).currencies()
    clock.freeze()
    for org in (NZ, UK):
        with pytest.raises(WaitingForXero) as held:
            env.client(org, rules).currencies()
        assert held.value.problem == "appminute"
    assert env.meter.calls(env.tenant(UK)) == []  # UK's call never left
    clock.advance(2)
    assert env.client(UK, rules).currencies() and env.client(NZ, rules).currencies()


def test_calls_in_flight_never_exceed_five_per_organisation(env):
    """Two processes (two governors, one shared store) with 8 callers each, on a slow Xero:
    the sandbox never answers more than 5 at once, and no call meets a concurrent 429."""
    env.sandbox.faults.set(NZ, latency_ms=300)
    first = governor(server_share=8, max_waiting=8, wait_seconds=10)
    second = type(first)(first.store, first.settings)
    outcomes: list[str] = []
    lock = threading.Lock()

    def call(rules):
        try:
            env.client(NZ, rules).currencies()
            result = "ok"
        except Exception as exc:  # noqa: BLE001 (the outcome is what is asserted)
            result = type(exc).__name__
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=call, args=(g,)) for g in [first, second] * 8]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes == ["ok"] * 16
    assert env.meter.peak[env.tenant(NZ)] == 5
    assert env.meter.calls(env.tenant(NZ)) == [200] * 16


@pytest.mark.parametrize("window", ["minute", "day"])
def test_headroom_stops_background_calls_before_interactive_ones(env, monkeypatch, window):
    limit = "SANDBOX_MINUTE_LIMIT" if window == "minute" else "SANDBOX_DAILY_LIMIT"
    monkeypatch.setitem(env.live.app.config, limit, 14)
    rules = governor(minute_headroom=10, day_headroom=10)
    background = env.client(NZ, rules, call_class=BACKGROUND)
    interactive = env.client(NZ, rules)
    synced = _until_refused(background.currencies)
    assert synced.calls == 4 and synced.refused.problem == window  # 10 left for people
    served = _until_refused(interactive.currencies)
    assert served.calls == 10 and served.refused.problem == window  # nothing left: not sent
    assert env.meter.calls(env.tenant(NZ)) == [200] * 14  # Xero never had to say 429


def test_the_freshness_factor_grows_as_the_day_runs_down(env, monkeypatch):
    monkeypatch.setitem(env.live.app.config, "SANDBOX_DAILY_LIMIT", 1000)
    monkeypatch.setitem(env.live.app.config, "SANDBOX_MINUTE_LIMIT", 100_000)
    rules = governor(day_headroom=50, max_freshness_factor=60)
    tenant = env.tenant(NZ)
    assert rules.freshness_factor(tenant) == 1.0  # nothing known yet
    factors = []
    for spent_elsewhere in (0, 400, 300, 200, 60):
        for _ in range(spent_elsewhere):
            env.sandbox.limits.acquire(tenant)  # calls made by others today
            env.sandbox.limits.release(tenant)
        env.client(NZ, rules).currencies()
        factors.append(rules.freshness_factor(tenant))
    # day left: 999, 598, 297, 96, 35 (the first answer set the day's peak, 999)
    assert factors[:2] == [1.0, 1.0]
    assert factors[2] == pytest.approx(0.5 / (297 / 999))
    assert factors[3] == pytest.approx(0.5 / (96 / 999))
    assert factors[4] == 60  # only the headroom is left


class _Refusal:
    def __init__(self, calls: int, refused: XeroBudgetLow):
        self.calls, self.refused = calls, refused


def _until_refused(call) -> _Refusal:
    for count in range(100):
        try:
            call()
        except XeroBudgetLow as refused:
            return _Refusal(count, refused)
    raise AssertionError("the budget never refused a call")
