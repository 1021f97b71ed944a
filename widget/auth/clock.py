"""UTC time for tenancy rows. SQLite hands `DateTime(timezone=True)` columns back without a zone,
so every comparison goes through `as_utc` to behave the same on SQLite and PostgreSQL."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
