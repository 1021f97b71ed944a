"""Xero's JSON conventions: /Date(ms+0000)/ dates, money as numbers, the response envelope."""

import json
import re
import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal

from flask import Response

PROVIDER_NAME = "Xero CRM Widget (sandbox)"

_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?)?Z?$")


def ms_date(value: date | datetime) -> str:
    """`/Date(1518685950940+0000)/`; a date alone is midnight UTC (never shifted into a zone)."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return f"/Date({int(value.timestamp() * 1000)}+0000)/"


def iso_date(value: date) -> str:
    """The `DateString` companions Xero adds to quotes: `2026-11-22T00:00:00`."""
    return f"{value.isoformat()}T00:00:00"


def parse_date(value) -> date | None:
    """A date as clients send it (`YYYY-MM-DD`, ISO date-time, or `/Date(ms)/`); None if invalid."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    match = _MS_DATE.match(value)
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC).date()
    match = _ISO_DATE.match(value)
    if match:
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return None
    return None


def read_date(text: str | None) -> date | None:
    """Inverse of `ms_date` for our own stored documents."""
    return parse_date(text) if text else None


def read_datetime(text: str | None) -> datetime | None:
    """A stored `/Date(ms+0000)/` as naive UTC."""
    match = _MS_DATE.match(text or "")
    if not match:
        return None
    return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC).replace(tzinfo=None)


def money(value: Decimal) -> float:
    return float(value)


def new_id() -> str:
    return str(uuid.uuid4())


def envelope(resource: str, items: list, now: datetime, pagination: dict | None = None) -> dict:
    body = {
        "Id": new_id(),
        "Status": "OK",
        "ProviderName": PROVIDER_NAME,
        "DateTimeUTC": ms_date(now),
    }
    if pagination is not None:
        body["pagination"] = pagination
    body[resource] = items
    return body


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":"), default=_default),
        status=status,
        headers=headers,
        mimetype="application/json",
    )


def _default(value):
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
