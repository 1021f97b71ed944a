"""Money, dates and ages for the reader's locale, with Babel (CLDR), robust to any locale string.

The locale comes from the launch token when the CRM sends one, else the browser's Accept-Language,
else English. Both are outside input: a malformed value must fall back, never break the panel.
Amounts in the organisation's base currency use the locale's symbol; other currencies show their
ISO code, because "$" alone cannot say whether it is NZD, AUD or USD.

One date and time style per locale, everywhere (panels, forms, messages, the audit log): a day is
CLDR's medium date ("30 Nov 2026" in en-NZ, "Nov 30, 2026" in en, "30.11.2026" in de), a time its
short time, and a moment both, joined as the locale joins them ("30 Nov 2026, 9:05 am"), in the
organisation's time zone.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from babel.dates import format_timedelta
from babel.numbers import format_currency, format_decimal, get_currency_precision

DEFAULT_LOCALE = "en"
_MAX_TAG_LENGTH = 35  # longer than any real language tag; the rest is noise or an attack
_MAX_ACCEPT_ENTRIES = 20
_TAG = re.compile(r"^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$")


def resolve_locale(
    token_locale: str | None = None,
    accept_language: str | None = None,
    default: str = DEFAULT_LOCALE,
) -> Locale:
    """The best Locale: the token's, else the browser's preferences in order, else `default`."""
    candidates = [token_locale] if token_locale else []
    candidates += accept_language_tags(accept_language)
    for candidate in candidates:
        locale = parse_locale(candidate)
        if locale is not None:
            return locale
    return parse_locale(default) or Locale.parse(DEFAULT_LOCALE)


@lru_cache(maxsize=512)
def parse_locale(value: str | None) -> Locale | None:
    """A Locale from "en-NZ", "en_NZ", "de_DE.UTF-8" or "fr-FR-u-ca-gregory"; None if unusable.

    An unknown region falls back to its language ("en-XY" -> en), as a reader would want.
    """
    tag = _clean_tag(value)
    if not tag:
        return None
    parts = tag.split("-")
    for length in range(len(parts), 0, -1):
        try:
            return Locale.parse("-".join(parts[:length]), sep="-")
        except (UnknownLocaleError, ValueError, TypeError):
            continue
    return None


def accept_language_tags(header: str | None) -> list[str]:
    """Language tags from an Accept-Language header, most preferred first (q=0 and '*' dropped)."""
    if not header:
        return []
    weighted = []
    for position, item in enumerate(header[:1000].split(",")[:_MAX_ACCEPT_ENTRIES]):
        tag, _, params = item.strip().partition(";")
        quality = _quality(params)
        if tag.strip() and tag.strip() != "*" and quality is not None and quality > 0:
            weighted.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def format_money(
    amount: Decimal,
    currency_code: str,
    locale: Locale | str,
    base_currency: str | None = None,
) -> str:
    """An amount in its currency for the reader: symbol for the base currency, else the ISO code.

    Digits follow the currency (JPY has none, BHD three), rounded half up as the sums are (Babel
    alone would round half to even, so 0.125 would show as 0.12 beside a total of 0.13).
    """
    loc = _locale(locale)
    code = (currency_code or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):  # Xero would not send this; still show the number
        amount = _half_up(amount, 2)
        return format_decimal(amount, format="#,##0.00", locale=loc)
    amount = _half_up(amount, get_currency_precision(code))
    if base_currency is None or code == base_currency.strip().upper():
        return format_currency(amount, code, locale=loc)
    return format_currency(amount, code, format=_code_pattern(loc), locale=loc)


def format_day(value: date | None, locale: Locale | str, style: str = "medium") -> str:
    """A calendar date (due date, expiry) in the reader's style; '' when absent."""
    if value is None:
        return ""
    return babel_format_date(value, format=style, locale=_locale(locale))


def format_as_of(
    moment: datetime,
    locale: Locale | str,
    zone: tzinfo = UTC,
    now: datetime | None = None,
) -> str:
    """When figures were fetched: the time alone if it was today (in `zone`), else date and time."""
    loc = _locale(locale)
    moment = _aware(moment).astimezone(zone)
    today = _aware(now or datetime.now(UTC)).astimezone(zone).date()
    if moment.date() == today:
        return babel_format_time(moment, format="short", locale=loc)
    return format_moment(moment, loc, zone)


def format_moment(moment: datetime, locale: Locale | str, zone: tzinfo = UTC) -> str:
    """A date and time (an audit entry, a last answer): the medium date and the short time, in
    `zone`; naive datetimes are UTC."""
    loc = _locale(locale)
    moment = _aware(moment).astimezone(zone)
    day = babel_format_date(moment, format="medium", locale=loc)
    time = babel_format_time(moment, format="short", locale=loc)
    joiner = loc.datetime_formats.get("medium")
    pattern = str(joiner) if joiner is not None else "{1} {0}"
    return pattern.replace("{1}", day).replace("{0}", time).replace("'", "")


def day_style(locale: Locale | str) -> dict:
    """What a browser needs to write a day as `format_day` does (static/drafts.js echoes the
    date fields with it): CLDR's medium pattern ("d MMM y") and the month names it may use."""
    loc = _locale(locale)
    months = loc.months["format"]
    return {
        "pattern": loc.date_formats["medium"].pattern,
        "abbreviated": [months["abbreviated"][n] for n in range(1, 13)],
        "wide": [months["wide"][n] for n in range(1, 13)],
    }


def format_age(age: timedelta | float, locale: Locale | str) -> str:
    """How old figures are, "2 minutes ago" / "vor 2 Minuten".

    At least one second: CLDR has no "just now" in Babel's data, and a zero or negative age (clock
    skew between workers) would read "in 0 seconds".
    """
    seconds = age.total_seconds() if isinstance(age, timedelta) else float(age)
    delta = timedelta(seconds=-max(1.0, seconds))
    return format_timedelta(delta, add_direction=True, locale=_locale(locale))


def format_count(count: int, locale: Locale | str) -> str:
    return format_decimal(count, locale=_locale(locale))


# --- helpers ----------------------------------------------------------------------------------


def _clean_tag(value: str | None) -> str:
    if not isinstance(value, str):
        return ""
    tag = value.strip().split(".")[0].split("@")[0].replace("_", "-")
    tag = re.split(r"-[a-zA-Z]-", tag)[0]  # drop BCP 47 extensions (-u-…, -x-…)
    if len(tag) > _MAX_TAG_LENGTH or not _TAG.match(tag):
        return ""
    return tag


def _quality(params: str) -> float | None:
    """The q= weight of an Accept-Language entry (1 when absent); None when malformed."""
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                return None
            return quality if 0 <= quality <= 1 else None
    return 1.0


def _locale(locale: Locale | str | None) -> Locale:
    if isinstance(locale, Locale):
        return locale
    return parse_locale(locale) or Locale.parse(DEFAULT_LOCALE)


def _code_pattern(locale: Locale) -> str:
    """The locale's currency pattern with the ISO code for the symbol, spaced from the digits
    ("USD 1,234.50" in English, "1.234,50 USD" in German): CLDR's spacing rule, simplified."""
    mark = "\ue000"  # a private-use character stands for the symbol while spacing is added
    pattern = locale.currency_formats["standard"].pattern.replace("¤", mark)
    pattern = re.sub(mark + r"(?=[#0-9.,-])", mark + "\xa0", pattern)
    pattern = re.sub(r"(?<=[#0-9])" + mark, "\xa0" + mark, pattern)
    return pattern.replace(mark, "¤¤")


def _half_up(amount: Decimal, digits: int) -> Decimal:
    return Decimal(amount).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _aware(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC: that is how the rest of the app stores them."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
