"""A small hand-built organisation for the pure tests: every account, tax rate and item case the
rules care about (archived, case, wrong kind, deleted rate, item not purchased, lock dates)."""

from datetime import date
from decimal import Decimal

from widget.drafts.reference import Reference
from widget.xero import Account, Item, Organisation, TaxRate

PERIOD_LOCK = date(2026, 3, 31)
YEAR_END_LOCK = date(2025, 3, 31)


def _account(code, name, kind, status="ACTIVE", tax="OUTPUT2", system=None):
    return Account(
        account_id=f"acc-{code}",
        code=code,
        name=name,
        type=kind,
        status=status,
        tax_type=tax,
        account_class=None,
        system_account=system,
    )


def _rate(tax_type, rate, revenue, expenses, status="ACTIVE"):
    return TaxRate(
        name=f"{tax_type} {rate}%",
        tax_type=tax_type,
        status=status,
        effective_rate=Decimal(rate),
        can_apply_to_revenue=revenue,
        can_apply_to_expenses=expenses,
    )


def _item(code, sale, purchase, *, purchased=True):
    return Item(
        item_id=f"item-{code}",
        code=code,
        name=f"{code} name",
        description=f"{code} for sale",
        purchase_description=f"{code} bought",
        sales_unit_price=Decimal(sale),
        sales_account_code="200",
        sales_tax_type="OUTPUT2",
        purchase_unit_price=Decimal(purchase),
        purchase_account_code="300",
        purchase_tax_type="INPUT2",
        is_purchased=purchased,
    )


def make_reference(*, locks: bool = True) -> Reference:
    organisation = Organisation(
        organisation_id="org-1",
        name="Test Org",
        legal_name=None,
        short_code="!abc",
        base_currency="NZD",
        timezone="NEWZEALANDSTANDARDTIME",
        country_code="NZ",
        period_lock_date=PERIOD_LOCK if locks else None,
        end_of_year_lock_date=YEAR_END_LOCK if locks else None,
        is_demo_company=True,
    )
    accounts = (
        _account("090", "Bank", "BANK", tax="NONE"),
        _account("200", "Sales", "REVENUE"),
        _account("ABC", "Mixed case sales", "REVENUE"),
        _account("220", "Legacy sales", "REVENUE", status="ARCHIVED"),
        _account("300", "Purchases", "DIRECTCOSTS", tax="INPUT2"),
        _account("400", "Advertising", "EXPENSE", tax="INPUT2"),
        _account("820", "GST", "CURRLIAB", tax="NONE", system="GST"),
    )
    rates = (
        _rate("OUTPUT2", "15", True, False),
        _rate("INPUT2", "15", False, True),
        _rate("NONE", "0", True, True),
        _rate("OUTPUT", "12.5", True, False, status="DELETED"),
    )
    items = (_item("DEV-HR", "165.00", "95.00"), _item("SETUP", "500.00", "0", purchased=False))
    return Reference(organisation, accounts, rates, items, ("NZD", "USD"))
