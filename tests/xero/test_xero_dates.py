import time
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from widget.xero.dates import format_date, parse_date, parse_datetime, where_date


def test_ms_date_with_zero_offset_is_that_utc_instant():
    assert parse_datetime("/Date(1518685950940+0000)/") == datetime(
        2018, 2, 15, 9, 12, 30, 940000, tzinfo=UTC
    )


def test_ms_date_offset_names_the_zone_but_does_not_move_the_instant():
    plain = parse_datetime("/Date(1518685950940)/")
    assert parse_datetime("/Date(1518685950940+1300)/") == plain
    assert parse_datetime("/Date(1518685950940-0500)/") == plain
    assert plain.tzinfo == UTC


def test_ms_date_before_1970():
    assert parse_datetime("/Date(-86400000+0000)/") == datetime(1969, 12, 31, tzinfo=UTC)


def test_iso_strings_xero_sometimes_sends():
    # connections: seven fractional digits, no offset (UTC)
    assert parse_datetime("2019-12-07T18:46:19.5165400") == datetime(
        2019, 12, 7, 18, 46, 19, 516540, tzinfo=UTC
    )
    assert parse_datetime("2018-11-02 16:31:30+00:00") == datetime(
        2018, 11, 2, 16, 31, 30, tzinfo=UTC
    )
    converted = parse_datetime("2019-12-08T07:46:19+13:00")
    assert converted == datetime(2019, 12, 7, 18, 46, 19, tzinfo=UTC)
    assert converted.utcoffset() == timedelta(0)


def test_date_only_values_are_midnight_utc_and_never_shift(monkeypatch):
    # Even where local time is behind UTC, midnight UTC stays on its own calendar day.
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        assert parse_date("/Date(1539993600000+0000)/") == date(2018, 10, 20)
        assert parse_date("/Date(1571875200000)/") == date(2019, 10, 24)
        assert parse_date("2018-10-20 00:00:00") == date(2018, 10, 20)
        assert parse_date("2018-10-20T00:00:00") == date(2018, 10, 20)
        assert parse_date("2018-10-20") == date(2018, 10, 20)
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize("value", [None, ""])
def test_missing_values_are_none(value):
    assert parse_date(value) is None
    assert parse_datetime(value) is None


@pytest.mark.parametrize("value", ["yesterday", "/Date(abc)/", "2019-13-45", 12345])
def test_garbage_is_refused(value):
    with pytest.raises(ValueError):
        parse_datetime(value)


def test_dates_are_sent_as_yyyy_mm_dd():
    assert format_date(date(2026, 1, 5)) == "2026-01-05"
    assert format_date(datetime(2026, 1, 5, 23, 0, tzinfo=timezone(timedelta(hours=-8)))) == (
        "2026-01-05"
    )
    assert where_date(date(2026, 1, 5)) == "DateTime(2026,01,05)"
