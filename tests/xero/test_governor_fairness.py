"""Fair and bounded (issue 12): an organisation whose Xero is slow keeps only its small share of
this process's threads (calling or briefly waiting); its other callers are told "busy" at once,
and another organisation's calls go through at their usual speed meanwhile."""

from __future__ import annotations

import threading
import time

import pytest

from tests.xero.governor_support import NZ, UK, governor, serve_governed
from widget.xero.governor import XeroBusy

SLOW_MS = 1500
WAIT_S = 0.4


@pytest.fixture(scope="module")
def governed(tmp_path_factory):
    yield from serve_governed(tmp_path_factory)


def test_a_slow_organisation_keeps_its_share_and_others_keep_their_speed(governed):
    env = governed
    env.restore()
    env.sandbox.faults.set(NZ, latency_ms=SLOW_MS)
    rules = governor(server_share=2, max_waiting=2, wait_seconds=WAIT_S)
    assert env.client(UK, rules).currencies()  # warm: the usual speed, measured below
    finished: list[tuple[str, float]] = []
    lock = threading.Lock()
    inside = {"count": 0}

    def slow_call() -> None:
        began = time.monotonic()
        with lock:
            inside["count"] += 1
        try:
            env.client(NZ, rules).currencies()
            outcome = "ok"
        except XeroBusy:
            outcome = "busy"
        finally:
            with lock:
                inside["count"] -= 1
        with lock:
            finished.append((outcome, time.monotonic() - began))

    try:
        callers = [threading.Thread(target=slow_call) for _ in range(10)]
        for caller in callers:
            caller.start()
        time.sleep(WAIT_S + 0.3)
        with lock:
            still_inside = inside["count"]  # after the short wait, only the share is left
        other = []
        for _ in range(5):
            began = time.monotonic()
            env.client(UK, rules).currencies()
            other.append(time.monotonic() - began)
        for caller in callers:
            caller.join(10)
        peak, calls = env.meter.peak[env.tenant(NZ)], env.meter.calls(env.tenant(NZ))
    finally:
        env.restore()

    assert still_inside == 2
    assert max(other) < 0.5  # a normal call, while NZ's two are still waiting on Xero
    outcomes = sorted(outcome for outcome, _ in finished)
    assert outcomes == ["busy"] * 8 + ["ok"] * 2
    busy_seconds = [seconds for outcome, seconds in finished if outcome == "busy"]
    assert max(busy_seconds) < WAIT_S + 0.3  # told at once, or after the short wait
    assert peak == 2 and calls == [200, 200]


def test_requests_waiting_for_a_shared_fetch_take_the_few_waiting_places():
    """Followers of another request's call hold threads too: two may wait, the third is told
    busy at once, and a place is free again when a follower is done."""
    rules = governor(max_waiting=2)
    with rules.waiting_place("slow-org"), rules.waiting_place("slow-org"):
        with pytest.raises(XeroBusy), rules.waiting_place("slow-org"):
            pass
        with rules.waiting_place("other-org"):  # another organisation has its own places
            pass
    with rules.waiting_place("slow-org"):
        pass
