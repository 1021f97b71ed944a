import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from widget.cache import CacheScope, JsonCodec, MemoryCache
from widget.suggest import Reason
from widget.summary import DocumentLine, Figure, Summary, SummaryDetails

SCOPE = CacheScope("workspace-1", "tenant-a")


class Clock:
    """A settable clock so TTLs are tested without sleeping."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def cache(clock):
    return MemoryCache(clock=clock, stale_for=3600)


class Counting:
    """A fetch that counts its calls and can be held until released."""

    def __init__(self, *values, hold=False, error=None):
        self.values = list(values)
        self.calls = 0
        self.started = threading.Event()
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self.error = error
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            self.calls += 1
            value = self.values[min(self.calls, len(self.values)) - 1] if self.values else None
        self.started.set()
        assert self.release.wait(5), "test fetch was never released"
        if self.error is not None:
            raise self.error
        return value


def run_threads(count, target):
    results, errors = [None] * count, [None] * count

    def work(index):
        try:
            results[index] = target()
        except Exception as exc:  # collected and asserted on by the test
            errors[index] = exc

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    return threads, results, errors


def wait_until(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.001)


def join(threads):
    for thread in threads:
        thread.join(5)
        assert not thread.is_alive()


# --- scoping, TTL, invalidation -------------------------------------------------------------


def test_nothing_crosses_workspaces_or_tenants(cache):
    other_workspace = CacheScope("workspace-2", "tenant-a")
    other_tenant = CacheScope("workspace-1", "tenant-b")
    cache.set(SCOPE, "summary/x", "mine", ttl=60)
    assert cache.get(SCOPE, "summary/x").value == "mine"
    assert cache.get(other_workspace, "summary/x") is None
    assert cache.get(other_tenant, "summary/x") is None
    assert cache.invalidate(other_workspace) == 0
    assert cache.get(SCOPE, "summary/x").value == "mine"


def test_ids_with_separators_cannot_forge_another_scope(cache):
    a, b = CacheScope("a:t:b", "c"), CacheScope("a", "b:t:c")
    assert a.prefix != b.prefix
    cache.set(a, "k", 1, ttl=60)
    assert cache.get(b, "k") is None


@pytest.mark.parametrize(("workspace", "tenant"), [("", "t"), ("w", ""), (" ", "t")])
def test_a_scope_needs_both_ids(workspace, tenant):
    with pytest.raises(ValueError):
        CacheScope(workspace, tenant)


def test_entries_are_fresh_for_the_ttl_then_kept_as_stale_then_gone(cache, clock):
    cache.set(SCOPE, "k", "v", ttl=60)
    clock.now += 59.9
    assert cache.get(SCOPE, "k").value == "v"
    clock.now += 0.1
    assert cache.get(SCOPE, "k") is None
    stale = cache.get(SCOPE, "k", allow_stale=True)
    assert stale.value == "v" and stale.age(clock()) == pytest.approx(60)
    clock.now += 3600
    assert cache.get(SCOPE, "k", allow_stale=True) is None


def test_invalidate_by_prefix_keeps_last_known_values_unless_told(cache):
    for key in ("summary/a", "summary/b", "reference/accounts"):
        cache.set(SCOPE, key, key, ttl=600)
    assert cache.invalidate(SCOPE, "summary/") == 2
    assert cache.get(SCOPE, "summary/a") is None
    assert cache.get(SCOPE, "summary/a", allow_stale=True).value == "summary/a"
    assert cache.get(SCOPE, "reference/accounts").value == "reference/accounts"
    assert cache.invalidate(SCOPE, "summary/", keep_stale=False) == 2
    assert cache.get(SCOPE, "summary/b", allow_stale=True) is None
    cache.delete(SCOPE, "reference/accounts")
    assert cache.get(SCOPE, "reference/accounts", allow_stale=True) is None


def test_the_cache_is_bounded(clock):
    small = MemoryCache(clock=clock, maxsize=2)
    for key in "abc":
        small.set(SCOPE, key, key, ttl=60)
    assert sum(small.get(SCOPE, key) is not None for key in "abc") == 2


# --- get_or_fetch ---------------------------------------------------------------------------


def test_fresh_values_are_served_without_fetching_and_refresh_bypasses(cache, clock):
    fetch = Counting("v1", "v2", "v3")
    first = cache.get_or_fetch(SCOPE, "k", fetch, ttl=60)
    assert (first.value, first.from_cache, first.stale) == ("v1", False, False)
    again = cache.get_or_fetch(SCOPE, "k", fetch, ttl=60)
    assert (again.value, again.from_cache, fetch.calls) == ("v1", True, 1)
    refreshed = cache.get_or_fetch(SCOPE, "k", fetch, ttl=60, bypass=True)
    assert (refreshed.value, refreshed.from_cache, fetch.calls) == ("v2", False, 2)
    clock.now += 61
    assert cache.get_or_fetch(SCOPE, "k", fetch, ttl=60).value == "v3"
    assert fetch.calls == 3


def test_concurrent_identical_fetches_share_one_call(cache):
    fetch = Counting("answer", hold=True)
    callers = 8
    threads, results, errors = run_threads(
        callers, lambda: cache.get_or_fetch(SCOPE, "summary/x", fetch, ttl=60)
    )
    wait_until(lambda: cache.waiting(SCOPE, "summary/x") == callers - 1)
    fetch.release.set()
    join(threads)
    assert errors == [None] * callers
    assert fetch.calls == 1
    assert {r.value for r in results} == {"answer"}
    assert sum(not r.shared for r in results) == 1  # the leader; the rest were answered by it
    assert cache.waiting(SCOPE, "summary/x") == 0


def test_waiters_get_the_same_exception(cache):
    boom = RuntimeError("Xero is down")
    fetch = Counting(hold=True, error=boom)
    callers = 5
    threads, results, errors = run_threads(
        callers, lambda: cache.get_or_fetch(SCOPE, "k", fetch, ttl=60)
    )
    wait_until(lambda: cache.waiting(SCOPE, "k") == callers - 1)
    fetch.release.set()
    join(threads)
    assert fetch.calls == 1
    assert all(error is boom for error in errors)
    assert results == [None] * callers


def test_different_keys_and_scopes_do_not_share(cache):
    fetch = Counting("v")
    cache.get_or_fetch(SCOPE, "a", fetch, ttl=60)
    cache.get_or_fetch(SCOPE, "b", fetch, ttl=60)
    cache.get_or_fetch(CacheScope("workspace-2", "tenant-a"), "a", fetch, ttl=60)
    assert fetch.calls == 3


def test_refresh_joins_a_fetch_already_in_flight(cache):
    fetch = Counting("v", hold=True)
    threads, results, _ = run_threads(1, lambda: cache.get_or_fetch(SCOPE, "k", fetch, ttl=60))
    assert fetch.started.wait(5)
    more, more_results, _ = run_threads(
        1, lambda: cache.get_or_fetch(SCOPE, "k", fetch, ttl=60, bypass=True)
    )
    wait_until(lambda: cache.waiting(SCOPE, "k") == 1)
    fetch.release.set()
    join(threads + more)
    assert fetch.calls == 1 and more_results[0].shared and more_results[0].value == "v"


def test_xero_failing_serves_the_last_known_value_with_its_age(cache, clock):
    cache.get_or_fetch(SCOPE, "k", Counting("old figures"), ttl=60)
    clock.now += 600
    failure = ConnectionError("429 Too Many Requests")
    result = cache.get_or_fetch(SCOPE, "k", Counting(error=failure), ttl=60)
    assert (result.value, result.stale, result.error) == ("old figures", True, failure)
    assert result.age(clock()) == pytest.approx(600)
    assert result.fetched_at_utc == datetime.fromtimestamp(clock() - 600, UTC)
    with pytest.raises(ConnectionError):
        cache.get_or_fetch(SCOPE, "k", Counting(error=failure), ttl=60, stale_on_error=False)


def test_failure_with_nothing_known_raises(cache):
    with pytest.raises(ConnectionError):
        cache.get_or_fetch(SCOPE, "k", Counting(error=ConnectionError("down")), ttl=60)
    assert cache.get(SCOPE, "k", allow_stale=True) is None


def test_a_fetch_overtaken_by_invalidation_is_not_cached(cache):
    """A write happens while an older fetch is in flight: the old answer must not become fresh."""
    before_write = Counting("before write", hold=True)
    threads, results, _ = run_threads(
        1, lambda: cache.get_or_fetch(SCOPE, "summary/x", before_write, ttl=60)
    )
    assert before_write.started.wait(5)
    cache.invalidate(SCOPE, "summary/")
    after = cache.get_or_fetch(SCOPE, "summary/x", Counting("after write"), ttl=60)
    assert after.value == "after write" and not after.shared  # did not join the old flight
    before_write.release.set()
    join(threads)
    assert results[0].value == "before write"  # its own caller still gets an answer
    assert cache.get(SCOPE, "summary/x").value == "after write"


def test_waiting_too_long_for_a_shared_fetch_times_out(cache):
    fetch = Counting("v", hold=True)
    threads, _, _ = run_threads(1, lambda: cache.get_or_fetch(SCOPE, "k", fetch, ttl=60))
    assert fetch.started.wait(5)
    with pytest.raises(TimeoutError):
        cache.get_or_fetch(SCOPE, "k", fetch, ttl=60, wait_timeout=0.05)
    fetch.release.set()
    join(threads)


# --- codec ----------------------------------------------------------------------------------

SUMMARY_TYPES = (SummaryDetails, Summary, Figure, DocumentLine, Reason)


def _details() -> SummaryDetails:
    line = DocumentLine(
        kind="invoice",
        document_id="I1",
        number="INV-1",
        reference=None,
        contact_id="c1",
        contact_name="Acme",
        status="AUTHORISED",
        date=date(2026, 2, 1),
        due_date=date(2026, 3, 1),
        currency_code="USD",
        currency_rate=Decimal("0.6"),
        total=Decimal("300.00"),
        amount_due=Decimal("120.00"),
        base_amount=Decimal("200.00"),
        overdue=True,
    )
    owed = Figure(1, Decimal("200.00"))
    summary = Summary(
        open_quotes=Figure(0, Decimal("0.00")),
        overdue_invoices=owed,
        outstanding_invoices=owed,
        overdue_bills=Figure(),
        outstanding_bills=Figure(),
        as_of=datetime(2026, 3, 10, 20, tzinfo=UTC),
        base_currency="NZD",
    )
    return SummaryDetails(summary, quotes=(), invoices=(line,), bills=())


def test_json_codec_round_trips_a_summary_exactly(cache, clock):
    details = _details()
    codec = JsonCodec(SUMMARY_TYPES)
    data = codec.encode(details)
    assert isinstance(data, bytes)
    assert codec.decode(data) == details
    shared = MemoryCache(clock=clock, codec=codec)
    shared.set(SCOPE, "summary", details, ttl=60)
    back = shared.get(SCOPE, "summary").value
    assert back == details and back is not details
    assert isinstance(back.summary.outstanding_invoices.total, Decimal)


def test_json_codec_keeps_types():
    codec = JsonCodec([Reason])
    value = {
        "d": Decimal("0.10"),
        "day": date(2026, 3, 1),
        "at": datetime(2026, 3, 1, 12, tzinfo=UTC),
        "t": (1, "a"),
        "l": [None, True],
        "r": Reason.EMAIL,
        "f": 0.5,
    }
    back = codec.decode(codec.encode(value))
    assert back == value
    assert str(back["d"]) == "0.10" and isinstance(back["t"], tuple) and back["r"] is Reason.EMAIL


def test_json_codec_refuses_unregistered_types_both_ways():
    @dataclass(frozen=True)
    class Secret:
        x: int

    with pytest.raises(TypeError):
        JsonCodec().encode(Secret(1))
    with pytest.raises(ValueError):
        JsonCodec().decode(b'{"$type":"os.system","$fields":{}}')
