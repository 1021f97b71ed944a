"""Query parameters for Xero's list endpoints, preferring its optimised filters.

`where` values are quoted strings; Xero has no escape for `"` inside them, so such values (and,
to be safe, those with a backslash) go to `searchTerm` instead and the client keeps exact
matches. Dates in `where` are DateTime(…).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date

from widget.xero.dates import format_date, where_date

MAX_PAGE_SIZE = 1000


def guid(value: str) -> str:
    """A Xero id, checked: ids go into paths and filters, so nothing else may pass."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ValueError(f"not a Xero id: {value!r}") from None


def guids(values: Iterable[str] | None) -> str | None:
    """A comma-separated id list for IDs/ContactIDs; None when no filter was asked for."""
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    return ",".join(guid(value) for value in values)


def quotable(value: str) -> bool:
    """Whether a value can sit inside `where`'s quotes. Xero has no escape for `"`; whether it
    reads `\\` as one is undocumented, so values with either go to searchTerm instead."""
    return '"' not in value and "\\" not in value


def equals(field: str, value: str) -> str:
    return f'{field}=="{value}"'


def where(*clauses: str | None) -> str | None:
    present = [clause for clause in clauses if clause]
    return " AND ".join(present) if present else None


def page_number(page: int | None) -> int | None:
    if page is not None and (isinstance(page, bool) or int(page) < 1):
        raise ValueError("page starts at 1")
    return page


def page_size(size: int | None) -> int | None:
    if size is not None and not 1 <= int(size) <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
    return size


def statuses(values: Iterable[str] | str | None) -> str | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    cleaned = [str(value).strip().upper() for value in values]
    if not all(value.isalpha() for value in cleaned):
        raise ValueError(f"not Xero statuses: {cleaned!r}")
    return ",".join(cleaned)


def status(value: str | None) -> str | None:
    """One status, for filters that take a single value (Quotes)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("give one status")
    return statuses([value])


def due_before(value: date | None) -> str | None:
    return f"DueDate<{where_date(value)}" if value is not None else None


def iso(value: date | None) -> str | None:
    return format_date(value) if value is not None else None
