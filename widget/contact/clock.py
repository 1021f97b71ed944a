"""The panel's "now": real UTC time, unless the app installs another clock.

Overdue and expiry depend on the organisation's date, so tests (and demos) that move the sandbox's
clock install `app.extensions["contact_clock"]` (a callable returning an aware UTC datetime) to
keep the panel's day and the sandbox's day the same.
"""

from datetime import UTC, datetime

from flask import current_app


def now() -> datetime:
    override = current_app.extensions.get("contact_clock")
    moment = override() if override is not None else datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
