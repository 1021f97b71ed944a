"""Xero organisation time zones to IANA zones, and "today" where the organisation is.

Xero's `Organisation.Timezone` is a Windows zone id written upper case without spaces or dots
(`NEWZEALANDSTANDARDTIME`, `UTC+12`, `CENTRALSTANDARDTIME(MEXICO)`). Whether an invoice is overdue
depends on the date in that zone, not on the server's: just after midnight in Auckland it is still
yesterday in UTC. The mapping comes from CLDR's windowsZones table, which Babel ships, so it stays
current with Babel upgrades; a few ids Xero still lists but CLDR has retired are added by hand.
"""

import re
from datetime import UTC, date, datetime, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.core import get_global

#: Windows ids in Xero's enum that CLDR no longer maps (retired by Microsoft), with their old zones.
_RETIRED_WINDOWS_ZONES = {
    "Kamchatka Standard Time": "Asia/Kamchatka",
    "Mid-Atlantic Standard Time": "Etc/GMT+2",
}


def _key(name: str) -> str:
    """Xero's spelling of a Windows id: upper case, only letters, digits and '+'.

    Xero keeps '+' (`UTC+12`) but drops '-' (`UTC-11` is `UTC11`); parentheses are dropped on both
    sides so `CENTRALSTANDARDTIME(MEXICO)` and "Central Standard Time (Mexico)" meet.
    """
    return re.sub(r"[^A-Z0-9+]", "", name.upper())


@cache
def _windows_to_iana() -> dict[str, str]:
    mapping = dict(_RETIRED_WINDOWS_ZONES)
    mapping.update(get_global("windows_zone_mapping"))
    return {_key(windows): iana for windows, iana in mapping.items()}


@cache
def _load(iana: str) -> ZoneInfo | None:
    """A zone by IANA name, trying CLDR's canonical spelling first (Asia/Calcutta -> Asia/Kolkata).

    CLDR's table uses old link names; some systems ship only the canonical ones.
    """
    canonical = get_global("zone_aliases").get(iana, iana)
    for candidate in dict.fromkeys((canonical, iana)):
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return None


def iana_name(timezone_name: str | None) -> str | None:
    """The IANA name for a Xero/Windows zone id (IANA names pass through); None if unknown."""
    if not timezone_name or not timezone_name.strip():
        return None
    name = timezone_name.strip()
    if "/" in name and _load(name) is not None:
        return name
    return _windows_to_iana().get(_key(name))


def zone_for(timezone_name: str | None) -> tzinfo:
    """The zone for a Xero id; UTC when missing or unknown.

    A wrong zone shifts "today" by at most a day for a few hours, which is better than a panel that
    fails because Xero added a zone id; callers that care can check `iana_name` first.
    """
    iana = iana_name(timezone_name)
    zone = _load(iana) if iana else None
    return zone or UTC


def today_in(timezone_name: str | None, now: datetime) -> date:
    """The calendar date in the organisation's zone at the instant `now` (which must be aware)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware (e.g. datetime.now(UTC))")
    return now.astimezone(zone_for(timezone_name)).date()
