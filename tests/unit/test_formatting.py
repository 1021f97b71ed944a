from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from babel import Locale

from widget.formatting import (
    accept_language_tags,
    day_style,
    format_age,
    format_as_of,
    format_count,
    format_day,
    format_moment,
    format_money,
    parse_locale,
    resolve_locale,
)
from widget.timezones import zone_for

NBSP, NNBSP = "\xa0", "\u202f"


@pytest.mark.parametrize(
    ("locale", "base", "foreign"),
    [
        ("en", "NZ$1,234.50", "USD 1,234.50"),
        ("en-NZ", "$1,234.50", "USD 1,234.50"),
        ("de-DE", "1.234,50 NZ$", "1.234,50 USD"),
        ("fr-FR", f"1{NNBSP}234,50 $NZ", f"1{NNBSP}234,50 USD"),
    ],
)
def test_money_uses_the_symbol_for_base_currency_and_the_code_otherwise(locale, base, foreign):
    amount = Decimal("1234.5")
    assert format_money(amount, "NZD", locale, base_currency="NZD").replace(NBSP, " ") == base
    assert format_money(amount, "USD", locale, base_currency="NZD").replace(NBSP, " ") == foreign


def test_money_follows_the_currencys_digits_and_signs():
    assert format_money(Decimal("1234"), "JPY", "en", base_currency="NZD") == f"JPY{NBSP}1,234"
    assert format_money(Decimal("-5.5"), "USD", "en-NZ", base_currency="NZD") == f"-USD{NBSP}5.50"
    assert format_money(Decimal("0.125"), "NZD", "en-NZ") == "$0.13"  # half up, like the sums
    assert format_money(Decimal("0.5"), "JPY", "en", base_currency="JPY") == "¥1"
    assert format_money(Decimal("2.5"), "XYZ", "en") == "XYZ2.50"  # unknown code: 2 digits


def test_money_with_a_strange_currency_code_still_shows_the_number():
    assert format_money(Decimal("12.5"), "", "en") == "12.50"
    assert format_money(Decimal("12.5"), "<script>", "de-DE") == "12,50"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Mar 1, 2026"),
        ("en-NZ", "1 Mar 2026"),
        ("de-DE", "01.03.2026"),
        ("fr-FR", "1 mars 2026"),
    ],
)
def test_dates_follow_the_locale(locale, expected):
    assert format_day(date(2026, 3, 1), locale) == expected
    assert format_day(None, locale) == ""


@pytest.mark.parametrize(
    ("locale", "minutes", "expected"),
    [
        ("en", 2, "2 minutes ago"),
        ("en-NZ", 1, "1 minute ago"),
        ("de-DE", 2, "vor 2 Minuten"),
        ("fr-FR", 2, "il y a 2 minutes"),
        ("en", 180, "3 hours ago"),
    ],
)
def test_ages_read_naturally(locale, minutes, expected):
    assert format_age(timedelta(minutes=minutes), locale) == expected
    assert format_age(minutes * 60.0, locale) == expected


def test_a_zero_or_negative_age_is_never_in_the_future():
    assert format_age(0, "en") == "1 second ago"
    assert format_age(-30, "de-DE") == "vor 1 Sekunde"


def test_as_of_shows_the_time_today_and_the_date_otherwise():
    now = datetime(2026, 3, 10, 23, 0, tzinfo=UTC)
    fetched = datetime(2026, 3, 10, 22, 58, tzinfo=UTC)
    assert format_as_of(fetched, "en", UTC, now=now).replace(NNBSP, " ") == "10:58 PM"
    assert format_as_of(fetched, "de-DE", UTC, now=now) == "22:58"
    # In Auckland (+13) both instants are on 11 March: still "today", in local time.
    nz = zone_for("NEWZEALANDSTANDARDTIME")
    assert format_as_of(fetched, "en-NZ", nz, now=now).replace(NNBSP, " ") == "11:58 am"
    yesterday = datetime(2026, 3, 9, 8, 5, tzinfo=UTC)
    # another day: the medium date and short time, as every other date and time is written
    assert format_as_of(yesterday, "fr-FR", UTC, now=now) == "9 mars 2026, 08:05"


def test_counts_use_the_locales_grouping():
    assert format_count(12345, "de-DE") == "12.345"
    assert format_count(12345, "en") == "12,345"


@pytest.mark.parametrize(
    ("token", "header", "expected"),
    [
        ("en-NZ", "de-DE", "en_NZ"),
        ("de_DE", None, "de_DE"),
        ("fr-FR-u-ca-gregory", None, "fr_FR"),
        ("de_DE.UTF-8", None, "de_DE"),
        ("EN-nz", None, "en_NZ"),
        ("en-XY", None, "en"),  # unknown region: the language
        ("klingon!!", "fr-CH, fr;q=0.9, en;q=0.8", "fr_CH"),
        (None, "xx, de-DE;q=0.5, en;q=0.9", "en"),  # by weight, unknown skipped
        (None, "de;q=0, fr;q=0.1", "fr"),  # q=0 means "not this"
        (None, "*", "en"),
        ("", "", "en"),
        (None, None, "en"),
        ("x" * 5000, "y" * 5000, "en"),
        (None, "en;q=abc, de", "de"),
        ("\x00\n<script>", ";;;,,,q=1", "en"),
    ],
)
def test_locale_resolution_is_robust(token, header, expected):
    assert str(resolve_locale(token, header)) == expected


def test_parse_locale_returns_none_for_unusable_values_and_caches():
    assert parse_locale("not a locale") is None
    assert parse_locale(None) is None
    assert parse_locale("de-DE") is parse_locale("de-DE")
    assert isinstance(parse_locale("de-DE"), Locale)


def test_accept_language_order_and_limits():
    assert accept_language_tags("da, en-GB;q=0.8, en;q=0.7") == ["da", "en-GB", "en"]
    assert accept_language_tags("en;q=0.5, fr;q=0.5") == ["en", "fr"]  # ties keep header order
    assert len(accept_language_tags(",".join(["en"] * 500))) == 20


def test_formatting_accepts_locale_strings_or_objects_and_falls_back():
    amount = Decimal("1")
    assert format_money(amount, "EUR", Locale.parse("de_DE")) == format_money(
        amount, "EUR", "de-DE"
    )
    assert format_money(amount, "USD", "bogus") == format_money(amount, "USD", "en")


# --- one date and time style per locale (issue 11) ---------------------------------------------


@pytest.mark.parametrize(
    ("locale", "day", "moment"),
    [
        ("en-NZ", "30 Nov 2026", "30 Nov 2026, 9:05 pm"),
        ("en-GB", "30 Nov 2026", "30 Nov 2026, 21:05"),
        ("en-US", "Nov 30, 2026", "Nov 30, 2026, 9:05 PM"),
        ("de-DE", "30.11.2026", "30.11.2026, 21:05"),
    ],
)
def test_days_and_moments_share_one_style_per_locale(locale, day, moment):
    when = datetime(2026, 11, 30, 8, 5, tzinfo=UTC)  # 21:05 in Auckland (+13)
    nz = zone_for("NEWZEALANDSTANDARDTIME")
    assert format_day(date(2026, 11, 30), locale) == day
    shown = format_moment(when, locale, nz).replace(NNBSP, " ")
    assert shown == moment and shown.startswith(day)  # the same day, whatever is added
    # yesterday's as-of time reads the same way
    later = datetime(2026, 12, 2, 8, 5, tzinfo=UTC)
    assert format_as_of(when, locale, nz, now=later).replace(NNBSP, " ") == moment


def test_naive_moments_are_utc():
    assert format_moment(datetime(2026, 3, 9, 8, 5), "en-GB") == "9 Mar 2026, 08:05"


def test_the_day_style_handed_to_the_browser_writes_days_as_format_day():
    style = day_style("en-NZ")
    assert style["pattern"] == "d MMM y"
    assert style["abbreviated"][10] == "Nov" and style["wide"][10] == "November"
    assert day_style("de-DE")["pattern"] == "dd.MM.y"
    assert day_style("en-US")["pattern"] == "MMM d, y"
