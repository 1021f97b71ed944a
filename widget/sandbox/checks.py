"""Validation shared by invoices, bills and quotes, with Xero's messages where they are known.

Each check appends plain messages to a list; the caller turns a non-empty list into Xero's
ValidationException element. Messages marked *guess* in the report are our best wording.
"""

import uuid
from datetime import date
from decimal import Decimal, InvalidOperation

from widget.sandbox.context import OrgContext
from widget.sandbox.serialise import parse_date


def decimal_field(line: dict, name: str, default: Decimal, errors: list[str]) -> Decimal:
    value = line.get(name)
    if value is None or value == "":
        return default
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        errors.append(f"{name} '{value}' is not a valid number.")
        return default
    if not number.is_finite():
        errors.append(f"{name} '{value}' is not a valid number.")
        return default
    if -number.as_tuple().exponent > 4:
        errors.append(f"{name} must not have more than 4 decimal places.")
    return number


def date_field(body: dict, name: str, errors: list[str]) -> date | None:
    value = body.get(name)
    if value in (None, ""):
        return None
    found = parse_date(value)
    if found is None:
        errors.append(f"{name} '{value}' is not a valid date.")
    return found


def lock_date_problem(ctx: OrgContext, when: date) -> str | None:
    for lock, label in ((ctx.end_of_year_lock, "end of year"), (ctx.period_lock, "period")):
        if lock and when <= lock:
            shown = lock.strftime("%d-%b-%Y")
            return (
                f"The document date cannot be before the {label} lock date, "
                f"currently set at {shown}"
            )
    return None


def check_line(
    ctx: OrgContext, line: dict, sales: bool, account_required: bool, unit_dp: int, errors: list
) -> dict:
    """A submitted line, checked and completed from its item and account (Decimals inside)."""
    if not isinstance(line, dict):
        errors.append("Line items must be objects.")
        return {}
    out = {"LineItemID": str(uuid.uuid4())}
    item_code = line.get("ItemCode")
    item = None
    if item_code:
        item = ctx.items.get(item_code)
        if item is None:
            errors.append(f"Item code '{item_code}' is not valid.")
    details = (item or {}).get("SalesDetails" if sales else "PurchaseDetails") or {}
    description = line.get("Description") or (item or {}).get(
        "Description" if sales else "PurchaseDescription"
    )
    quantity = decimal_field(line, "Quantity", Decimal(1), errors)
    default_price = Decimal(str(details.get("UnitPrice", 0)))
    unit = decimal_field(line, "UnitAmount", default_price, errors)
    if -unit.as_tuple().exponent > unit_dp:
        unit = unit.quantize(Decimal(1).scaleb(-unit_dp))
    discount = decimal_field(line, "DiscountRate", Decimal(0), errors)
    if not Decimal(0) <= discount <= Decimal(100):
        errors.append("DiscountRate must be between 0 and 100.")
    account_code = line.get("AccountCode") or details.get("AccountCode")
    account = _check_account(ctx, account_code, account_required, errors)
    tax_type = (
        line.get("TaxType")
        or (account or {}).get("TaxType")
        or details.get("TaxType")
        or ctx.default_tax_type(sales)
    )
    _check_tax_type(ctx, tax_type, sales, errors)
    if not description and not item_code:
        errors.append("The description field is mandatory for each line item.")
    out.update(
        Description=description or "",
        Quantity=quantity,
        UnitAmount=unit,
        DiscountRate=discount,
        AccountCode=account_code,
        TaxType=tax_type or "NONE",
        ItemCode=item_code if item else None,
    )
    return out


def _check_account(ctx: OrgContext, code, required: bool, errors: list) -> dict | None:
    if not code:
        if required:
            errors.append("Account code must be specified for each line item.")
        return None
    account = ctx.accounts.get(str(code))
    if account is None:
        errors.append(f"Account code '{code}' is not a valid code for this document.")
        return None
    if account.get("Status") != "ACTIVE":
        errors.append(
            f"Account code '{code}' has been archived, or deleted. Each line item must "
            "reference a valid account."
        )
    return account


def _check_tax_type(ctx: OrgContext, tax_type, sales: bool, errors: list) -> None:
    if not tax_type:
        return
    rate = ctx.tax_rates.get(tax_type)
    usable = rate and rate.get("Status") == "ACTIVE"
    if usable:
        usable = rate.get("CanApplyToRevenue" if sales else "CanApplyToExpenses", True)
    if not usable:
        errors.append(
            f"The TaxType code '{tax_type}' does not exist or cannot be used with this type "
            "of transaction."
        )


def check_currency(ctx: OrgContext, body: dict, errors: list) -> tuple[str, Decimal]:
    code = (body.get("CurrencyCode") or ctx.base_currency).upper()
    if code not in ctx.currencies:
        errors.append(f"Organisation is not subscribed to currency {code}")
        return code, Decimal(1)
    if code == ctx.base_currency:
        return code, Decimal(1)
    given = body.get("CurrencyRate")
    if given in (None, "", 0):
        return code, ctx.currencies[code]
    try:
        rate = Decimal(str(given))
    except InvalidOperation:
        rate = Decimal(0)
    if rate <= 0:
        errors.append("The currency rate must be a number greater than zero.")
        return code, Decimal(1)
    return code, rate
