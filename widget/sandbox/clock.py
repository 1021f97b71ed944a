"""The sandbox's notion of "now": real time plus an offset tests can move.

Token expiry, refresh-token grace, idempotency memory and rate-limit windows all read this clock,
so a test can jump 31 minutes ahead instead of sleeping. Times are naive UTC (as stored).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta


@dataclass
class Clock:
    offset: timedelta = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC).replace(tzinfo=None) + self.offset

    def today(self) -> date:
        return self.now().date()

    def advance(self, **delta: float) -> None:
        """Move the clock forward, e.g. `clock.advance(minutes=31)`."""
        self.offset += timedelta(**delta)

    def reset(self) -> None:
        self.offset = timedelta(0)
