"""The database recorder of Xero's remaining-call figures, on SQLite and PostgreSQL."""

import threading

from widget.xero import LimitRecorder, MemoryLimitRecorder, RateLimitRemaining
from widget.xero_usage import DatabaseUsageRecorder

TENANT = "fe79f7dd-b6d4-4a92-ba7b-538af6289c58"


def recorder_of(app) -> DatabaseUsageRecorder:
    return DatabaseUsageRecorder(app.extensions["db_sessionmaker"])


def test_both_recorders_satisfy_the_clients_protocol(db_app):
    assert isinstance(recorder_of(db_app), LimitRecorder)
    assert isinstance(MemoryLimitRecorder(), LimitRecorder)


def test_figures_are_kept_per_tenant_and_absent_ones_keep_their_value(db_app):
    recorder = recorder_of(db_app)
    assert recorder.latest(TENANT) is None
    recorder.record(TENANT, RateLimitRemaining(4990, 59, 9999), True)
    first = recorder.latest(TENANT)
    assert (first.day_remaining, first.minute_remaining, first.app_minute_remaining) == (
        4990,
        59,
        9999,
    )
    assert first.last_success_at is not None

    # a 5xx without headers, then a 429 with only some figures: failures keep last_success_at
    recorder.record(TENANT, RateLimitRemaining(None, None, None), False)
    recorder.record(TENANT, RateLimitRemaining(None, 0, None), False)
    row = recorder.latest(TENANT)
    assert (row.day_remaining, row.minute_remaining, row.app_minute_remaining) == (4990, 0, 9999)
    assert row.last_success_at == first.last_success_at
    assert row.updated_at >= first.updated_at
    assert recorder.remaining(TENANT) == RateLimitRemaining(4990, 0, 9999)

    recorder.record("other-tenant", RateLimitRemaining(1, 1, 1), False)
    assert recorder.remaining(TENANT).day_remaining == 4990
    assert recorder.latest("other-tenant").last_success_at is None


def test_many_workers_recording_a_new_tenant_at_once_leave_one_row(db_app):
    recorder = recorder_of(db_app)
    errors = []

    def record(n):
        try:
            recorder.record(TENANT, RateLimitRemaining(5000 - n, 60 - n, None), n % 2 == 0)
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)

    threads = [threading.Thread(target=record, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    row = recorder.latest(TENANT)
    assert 4992 < row.day_remaining <= 5000 and row.last_success_at is not None


def test_memory_recorder_keeps_latest_per_tenant():
    recorder = MemoryLimitRecorder()
    assert recorder.latest(TENANT) is None
    recorder.record(TENANT, RateLimitRemaining(10, 5, None), False)
    recorder.record(TENANT, RateLimitRemaining(9, None, 100), True)
    assert recorder.latest(TENANT) == RateLimitRemaining(9, 5, 100)
    assert recorder.last_success_at(TENANT) is not None
    assert recorder.latest("other") is None
