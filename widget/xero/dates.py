"""Xero's date formats: `/Date(1518685950940+0000)/` (Unix ms, offset informative) and ISO strings.

Date-only values (an invoice's Date, DueDate, lock dates) are midnight UTC: they become `date`
taken in UTC, never shifted into a local zone, or they would move a day in the Americas.
"""

import re
from datetime import UTC, date, datetime, timedelta

_MS_DATE = re.compile(r"^/Date\((?P<ms>-?\d+)(?P<offset>[+-]\d{4})?\)/$")


def parse_datetime(value: str | None) -> datetime | None:
    """A UTC-aware datetime from either of Xero's forms; None for a missing or empty value.

    In `/Date(ms+hhmm)/` the milliseconds are already UTC (the .NET convention); the offset only
    says which zone the value was written in, so it does not move the instant.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"not a Xero date: {value!r}")
    match = _MS_DATE.match(value.strip())
    if match:
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(match["ms"]))
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError(f"not a Xero date: {value!r}") from exc
    if parsed.tzinfo is None:  # Xero's ISO strings without an offset are UTC
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_date(value: str | None) -> date | None:
    """A calendar date from a Xero date-only value, read in UTC without any zone shift."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and not _MS_DATE.match(value.strip()):
        try:  # "2019-02-15" and "2019-02-15T00:00:00": the calendar part is the date
            return datetime.fromisoformat(value.strip()).date()
        except ValueError as exc:
            raise ValueError(f"not a Xero date: {value!r}") from exc
    parsed = parse_datetime(value)
    return parsed.date() if parsed else None


def format_date(value: date) -> str:
    """How dates are sent to Xero: YYYY-MM-DD."""
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat()


def where_date(value: date) -> str:
    """A date inside a `where` filter: DateTime(2026,11,22)."""
    return f"DateTime({value.year},{value.month:02d},{value.day:02d})"
