"""Checks on a draft before Xero sees it, each message tied to the field it is about.

Pure: it takes what the rep typed (strings, exactly as sent) and the organisation's reference
data, and returns either the parsed values or the messages. Xero would refuse most of these too,
but later, with less helpful wording, and each refusal costs a call. The rules (issue 5):
- at least one line with a description or an item; lines left empty are ignored;
- quantities and prices are numbers with at most 4 decimal places;
- an account code exists (exact case), is active, is at most 10 characters, and suits the document
  (sales accounts for quotes and invoices, purchase accounts for bills); tax rates and items too;
- dates are real dates, the due (expiry) date is not before the date, and no date falls on or
  before the organisation's period lock or end-of-year lock date;
- the total is above zero (Xero takes no $0 invoice or credit note, and money owed back is a credit
  note); lines at zero (notes) and negative lines (discounts) are fine while it is;
- a line may have no account: Xero keeps such a draft, but asks for one before approving it (the
  form and the created message say so).
Error keys are the form's field names; a line's fields are `line-<index>-<field>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from babel import Locale

from widget.drafts import totals
from widget.drafts.reference import MAX_ACCOUNT_CODE, Reference, is_sales, item_fill
from widget.formatting import DEFAULT_LOCALE, format_day
from widget.xero.models import LineAmountTypes

MAX_DECIMALS = 4
MAX_INTEGER_DIGITS = 12
MAX_LINES = 100
MAX_DESCRIPTION = 4000
MAX_REFERENCE = 255
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_LABELS = {"date": "The date", "due_date": "The due date", "expiry_date": "The expiry date"}


def line_key(index: int, name: str) -> str:
    return f"line-{index}-{name}"


@dataclass(frozen=True)
class LineValues:
    """What a rep typed on one line (strings, as sent)."""

    item_code: str = ""
    description: str = ""
    quantity: str = "1"
    unit_amount: str = ""
    account_code: str = ""
    tax_type: str = ""

    @property
    def is_blank(self) -> bool:
        """An untouched line (its quantity starts at 1): skipped, never an error."""
        return not (self.item_code or self.description.strip() or self.unit_amount.strip())


@dataclass(frozen=True)
class DraftValues:
    kind: str
    date: str = ""
    due_date: str = ""  # invoices and bills
    expiry_date: str = ""  # quotes
    reference: str = ""
    currency_code: str = ""
    line_amount_types: str = LineAmountTypes.EXCLUSIVE.value
    lines: tuple[LineValues, ...] = ()


@dataclass(frozen=True)
class CheckedLine:
    index: int  # position among the form's lines (messages from Xero come back to it)
    item_code: str | None
    description: str
    quantity: Decimal
    unit_amount: Decimal
    account_code: str | None
    tax_type: str | None
    rate: Decimal


@dataclass
class Checked:
    errors: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    date: date | None = None
    due_date: date | None = None
    expiry_date: date | None = None
    amount_types: LineAmountTypes | None = None
    currency_code: str = ""
    lines: list[CheckedLine] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.general

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def totals(self) -> totals.DocumentTotals:
        lines = [totals.Line(ln.quantity, ln.unit_amount, ln.rate) for ln in self.lines]
        return totals.document_totals(lines, self.amount_types or LineAmountTypes.EXCLUSIVE)


def parse_number(text: str) -> tuple[Decimal | None, str | None]:
    """(value, None) or (None, message) for a quantity or price as typed."""
    text = text.strip()
    if not _NUMBER.match(text):
        return None, "Enter a number, like 2 or 12.50."
    try:
        value = Decimal(text)
    except InvalidOperation:  # the pattern rules this out; a belt for the braces
        return None, "Enter a number, like 2 or 12.50."
    if "." in text and len(text.split(".", 1)[1]) > MAX_DECIMALS:
        return None, f"Use at most {MAX_DECIMALS} decimal places."
    if abs(value) >= Decimal(10) ** MAX_INTEGER_DIGITS:
        return None, "That number is too large."
    return value, None


def parse_day(text: str) -> date | None:
    text = text.strip()
    if not _ISO_DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def check(values: DraftValues, ref: Reference, locale: Locale | str = DEFAULT_LOCALE) -> Checked:
    """`locale` writes the dates in messages (the lock date) as the panel writes them."""
    result = Checked()
    _check_dates(values, ref, result, locale)
    _check_header(values, ref, result)
    for index, line in enumerate(values.lines):
        if not line.is_blank:
            checked = _check_line(index, line, values.kind, ref, result)
            if checked is not None:
                result.lines.append(checked)
    has_content = any(not line.is_blank for line in values.lines)
    if not has_content:
        result.add("lines", "Add at least one line with a description or an item.")
    elif len(values.lines) > MAX_LINES:
        result.add("lines", f"Use at most {MAX_LINES} lines.")
    if result.ok and result.totals().total < 0:
        result.general.append(
            "The total cannot be below zero: Xero records money owed back as a credit note."
        )
    elif result.ok and result.totals().total == 0:
        result.general.append(
            "The total is zero: Xero does not take a document with nothing to pay. Give at least "
            "one line a price (lines at zero, as notes, and negative lines, as discounts, are "
            "fine while the total is above zero)."
        )
    return result


def _check_dates(values: DraftValues, ref: Reference, result: Checked, locale) -> None:
    names = ("date", "expiry_date") if values.kind == "quote" else ("date", "due_date")
    for name in names:
        text = getattr(values, name).strip()
        if not text:
            if name == "date":
                result.add(name, "Enter the date.")
            continue
        day = parse_day(text)
        if day is None:
            result.add(name, "Enter a date like 2026-11-22.")
            continue
        setattr(result, name, day)
        for label, lock in ref.lock_dates:
            if day <= lock:
                shown = format_day(lock, locale)
                result.add(
                    name,
                    f"{DATE_LABELS[name]} is inside the organisation's {label} ({shown}): "
                    "choose a later date.",
                )
                break
    later = result.expiry_date if values.kind == "quote" else result.due_date
    later_name = "expiry_date" if values.kind == "quote" else "due_date"
    if result.date and later and later < result.date and later_name not in result.errors:
        result.add(later_name, f"{DATE_LABELS[later_name]} cannot be before the date.")


def _check_header(values: DraftValues, ref: Reference, result: Checked) -> None:
    currency = values.currency_code.strip().upper() or ref.base_currency
    if currency not in ref.currencies:
        result.add("currency_code", "Choose one of the organisation's currencies.")
    result.currency_code = currency
    try:
        result.amount_types = LineAmountTypes.parse(values.line_amount_types)
    except ValueError:
        result.amount_types = None
    if result.amount_types is None:
        result.add("line_amount_types", "Choose whether amounts include tax.")
    if len(values.reference) > MAX_REFERENCE:
        result.add("reference", f"Use at most {MAX_REFERENCE} characters.")


def _check_line(
    index: int, line: LineValues, kind: str, ref: Reference, result: Checked
) -> CheckedLine | None:
    start = sum(len(messages) for messages in result.errors.values())
    sales = is_sales(kind)
    item = None
    if line.item_code:
        item = ref.item(line.item_code)
        if item is None or not (item.is_sold if sales else item.is_purchased):
            result.add(line_key(index, "item_code"), _unusable_item(line.item_code, item, sales))
            item = None
    fill = item_fill(item, kind) if item is not None else None
    description = line.description.strip() or (fill.description if fill else "")
    if not description and not line.item_code:
        result.add(line_key(index, "description"), "Enter a description or choose an item.")
    elif len(description) > MAX_DESCRIPTION:
        result.add(line_key(index, "description"), f"Use at most {MAX_DESCRIPTION} characters.")
    quantity = _number(index, "quantity", line.quantity, None, result, "Enter a quantity.")
    price = fill.price if fill else None
    unit = _number(index, "unit_amount", line.unit_amount, price, result, "Enter a price.")
    account = line.account_code.strip() or (fill.account_code if fill else "")
    if account:
        _check_account(index, account, kind, ref, result)
    tax_type = line.tax_type.strip() or None
    if tax_type is not None or result.amount_types is not LineAmountTypes.NO_TAX:
        _check_tax_type(index, tax_type, kind, ref, result)
    if sum(len(messages) for messages in result.errors.values()) > start:
        return None
    return CheckedLine(
        index=index,
        item_code=line.item_code or None,
        description=description,
        quantity=quantity,
        unit_amount=unit,
        account_code=account or None,
        tax_type=tax_type,
        rate=ref.rate_of(tax_type),
    )


def _number(index, name, text, fallback, result, missing: str) -> Decimal | None:
    if not text.strip():
        if fallback is not None:
            return fallback
        result.add(line_key(index, name), missing)
        return None
    value, problem = parse_number(text)
    if problem:
        result.add(line_key(index, name), problem)
    return value


def _unusable_item(code: str, item, sales: bool) -> str:
    if item is None:
        return f"There is no item {code} in Xero."
    return f"Item {code} is not {'sold' if sales else 'purchased'}: choose another."


def _check_account(index: int, code: str, kind: str, ref: Reference, result: Checked) -> None:
    key = line_key(index, "account_code")
    if len(code) > MAX_ACCOUNT_CODE:
        result.add(key, f"Account codes are at most {MAX_ACCOUNT_CODE} characters.")
        return
    account = ref.account(code)
    if account is None:
        other = ref.account_ignoring_case(code)
        if other is not None:
            result.add(key, f"Account codes are case-sensitive: did you mean {other.code}?")
        else:
            result.add(key, f"There is no account {code} in Xero.")
        return
    if not account.is_active:
        result.add(key, f"Account {code} ({account.name}) is archived: choose another.")
    elif account not in ref.accounts_for(kind):
        wanted = "a sales" if is_sales(kind) else "a purchase"
        result.add(key, f"Account {code} ({account.name}) is not {wanted} account.")


def _check_tax_type(index, tax_type, kind: str, ref: Reference, result: Checked) -> None:
    key = line_key(index, "tax_type")
    if tax_type is None:
        result.add(key, "Choose a tax rate.")
        return
    rate = ref.tax_rate(tax_type)
    if rate is None or rate not in ref.tax_rates_for(kind):
        where = "sales" if is_sales(kind) else "purchases"
        result.add(key, f"That tax rate cannot be used on {where}: choose another.")
