"""The governor's store operations, one at a time: the contract a Redis store (issue 10) must
keep as well as the in-memory one."""

from __future__ import annotations

import pytest

from tests.contact.support import OffsetClock
from widget.xero.governor_store import Denial, GovernorStore, Hold, MemoryGovernorStore


@pytest.fixture
def clock():
    clock = OffsetClock()
    clock.freeze()
    return clock


@pytest.fixture
def store(clock) -> MemoryGovernorStore:
    return MemoryGovernorStore(clock=clock)


def test_the_memory_store_keeps_the_interface(store):
    assert isinstance(store, GovernorStore)


def test_slots_are_taken_under_every_key_or_none(store, clock):
    lease = clock() + 60
    assert store.acquire_slots([("org", 2), ("ws", 1)], "a", lease)
    assert not store.acquire_slots([("org", 2), ("ws", 1)], "b", lease)  # ws is full
    assert store.in_flight("org") == 1  # and nothing was taken under org for b
    assert store.acquire_slots([("org", 2), ("other-ws", 1)], "c", lease)
    assert not store.acquire_slots([("org", 2)], "d", lease)
    store.release_slots(["org", "ws"], "a")
    assert store.in_flight("org") == 1 and store.in_flight("ws") == 0


def test_a_slot_whose_lease_ran_out_no_longer_counts(store, clock):
    assert store.acquire_slots([("org", 1)], "dead-process", clock() + 30)
    assert not store.acquire_slots([("org", 1)], "b", clock() + 30)
    clock.advance(31)
    assert store.acquire_slots([("org", 1)], "b", clock() + 30)


def test_a_hold_keeps_the_later_deadline(store, clock):
    now = clock()
    store.set_hold("hold:t", now + 50, "minute")
    store.set_hold("hold:t", now + 1, "concurrent")
    assert store.hold_of(["hold:t", "hold:app"]) == Hold(now + 50, "minute")
    store.set_hold("hold:app", now + 70, "appminute")
    assert store.hold_of(["hold:t", "hold:app"]) == Hold(now + 70, "appminute")
    clock.advance(71)
    assert store.hold_of(["hold:t", "hold:app"]) is None


def test_spending_counts_down_to_the_floor_until_the_figure_expires(store, clock):
    now = clock()
    store.observe("t", 3, 100, minute_until=now + 60, day_until=now + 900)
    assert store.spend("t", minute_floor=1, day_floor=0) is None  # 3 -> 2
    assert store.spend("t", minute_floor=1, day_floor=0) is None  # 2 -> 1
    assert store.spend("t", minute_floor=1, day_floor=0) == Denial("minute", 60)
    assert store.spend("t", minute_floor=0, day_floor=0) is None  # a lower floor: 1 -> 0
    assert store.budget("t").minute_left == 0 and store.budget("t").day_left == 97
    clock.advance(61)  # Xero's figure is a minute old: the window has moved on
    assert store.spend("t", minute_floor=1, day_floor=0) is None
    store.observe("t", None, 40, minute_until=clock() + 60, day_until=clock() + 900)
    assert store.spend("t", minute_floor=0, day_floor=40) == Denial("day", 900)
    assert store.budget("t").day_peak == 100  # the most seen left today


def test_forgetting_drops_one_organisation_or_everything(store, clock):
    now = clock()
    store.set_hold("hold:t1", now + 60, "minute")
    store.set_hold("hold:t2", now + 60, "minute")
    store.set_hold("hold:app", now + 60, "appminute")
    store.observe("t1", 1, 1, minute_until=now + 60, day_until=now + 60)
    store.forget("t1")
    assert store.hold_of(["hold:t1"]) is None and store.budget("t1").minute_left is None
    assert store.hold_of(["hold:t2"]) is not None and store.hold_of(["hold:app"]) is not None
    store.forget(None)
    assert store.hold_of(["hold:t2", "hold:app"]) is None
