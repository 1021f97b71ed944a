import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from widget.timezones import iana_name, today_in, zone_for


@pytest.mark.parametrize(
    ("xero", "iana"),
    [
        ("NEWZEALANDSTANDARDTIME", "Pacific/Auckland"),
        ("GMTSTANDARDTIME", "Europe/London"),
        ("EASTERNSTANDARDTIME", "America/New_York"),
        ("AUSEASTERNSTANDARDTIME", "Australia/Sydney"),
        ("PACIFICSTANDARDTIME", "America/Los_Angeles"),
        ("UTC", "Etc/UTC"),
        ("UTC+12", "Etc/GMT-12"),
        ("UTC11", "Etc/GMT+11"),  # Xero drops the minus of "UTC-11"
        ("CENTRALSTANDARDTIME(MEXICO)", "America/Mexico_City"),
        ("WEUROPESTANDARDTIME", "Europe/Berlin"),
        ("ROMANCESTANDARDTIME", "Europe/Paris"),
        ("SINGAPORESTANDARDTIME", "Asia/Singapore"),
        ("KAMCHATKASTANDARDTIME", "Asia/Kamchatka"),  # retired by CLDR, still in Xero's enum
        ("New Zealand Standard Time", "Pacific/Auckland"),  # Windows' own spelling
        ("Pacific/Auckland", "Pacific/Auckland"),  # an IANA name passes through
    ],
)
def test_windows_names_map_to_iana(xero, iana):
    assert iana_name(xero) == iana


@pytest.mark.parametrize("unknown", [None, "", "   ", "MARSSTANDARDTIME", "Nowhere/Special"])
def test_unknown_zones_fall_back_to_utc(unknown):
    assert iana_name(unknown) is None
    assert zone_for(unknown) is UTC


def _xero_timezone_enum(spec_dir: Path) -> list[str]:
    text = (spec_dir / "xero_accounting.yaml").read_text()
    block = text.split("\n    TimeZone:\n", 1)[1].split("enum:\n", 1)[1]
    values = []
    for line in block.splitlines():
        match = re.fullmatch(r"\s+- (\S+)", line)
        if not match:
            break
        values.append(match[1])
    return values


def test_every_zone_in_xeros_spec_maps_to_a_loadable_zone(xero_spec):
    values = _xero_timezone_enum(xero_spec)
    assert len(values) > 130
    unmapped = [v for v in values if iana_name(v) is None]
    assert unmapped == []
    assert all(zone_for(v) is not UTC or iana_name(v) == "Etc/UTC" for v in values)


def test_just_after_midnight_in_auckland_it_is_still_yesterday_in_utc():
    now = datetime(2026, 3, 10, 11, 30, tzinfo=UTC)  # 00:30 on 11 March in Auckland (NZDT, +13)
    assert today_in("NEWZEALANDSTANDARDTIME", now) == date(2026, 3, 11)
    assert today_in("UTC", now) == date(2026, 3, 10)
    assert today_in("PACIFICSTANDARDTIME", now) == date(2026, 3, 10)  # 04:30 in Los Angeles


def test_day_boundary_follows_daylight_saving():
    # New Zealand is +12 in July (winter): 11:30 UTC is 23:30 the same day.
    assert today_in("NEWZEALANDSTANDARDTIME", datetime(2026, 7, 10, 11, 30, tzinfo=UTC)) == date(
        2026, 7, 10
    )
    assert today_in("NEWZEALANDSTANDARDTIME", datetime(2026, 7, 10, 12, 0, tzinfo=UTC)) == date(
        2026, 7, 11
    )


def test_now_in_another_offset_is_the_same_instant():
    now = datetime(2026, 3, 11, 0, 30, tzinfo=timezone(timedelta(hours=13)))
    assert today_in("UTC", now) == date(2026, 3, 10)


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        today_in("UTC", datetime(2026, 3, 10, 12, 0))
