"""An organisation's reference data as the draft forms use it: which accounts, tax rates, items and
currencies a quote, invoice or bill may use, and its lock dates. Pure: fetched by `service`.

Xero's own choices, copied: sales documents (quotes, invoices) post to revenue accounts and take
tax rates that apply to revenue; bills post to expense-type accounts and take rates that apply to
expenses. Archived accounts and deleted tax rates are never offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from widget.xero.models import Account, Item, Organisation, TaxRate

KINDS = ("quote", "invoice", "bill")
SALES_ACCOUNT_TYPES = frozenset({"REVENUE", "SALES", "OTHERINCOME"})
PURCHASE_ACCOUNT_TYPES = frozenset(
    {"DIRECTCOSTS", "EXPENSE", "OVERHEADS", "FIXED", "INVENTORY", "PREPAYMENT"}
)
MAX_ACCOUNT_CODE = 10


def is_sales(kind: str) -> bool:
    if kind not in KINDS:
        raise ValueError(f"unknown draft kind: {kind!r}")
    return kind != "bill"


@dataclass(frozen=True)
class ItemFill:
    """What choosing an item puts on a line: Xero's sales or purchase details for it."""

    description: str
    price: Decimal | None
    account_code: str
    tax_type: str

    @property
    def price_text(self) -> str:
        """The price as money is written, "165.00" (Xero sends 165.0), more places kept
        when Xero has them ("2.3750"); '' when the item has none."""
        if self.price is None:
            return ""
        return f"{self.price:.2f}" if self.price == round(self.price, 2) else f"{self.price}"


def item_fill(item: Item, kind: str) -> ItemFill:
    if is_sales(kind):
        description = item.description
        price, account, tax = item.sales_unit_price, item.sales_account_code, item.sales_tax_type
    else:
        description = item.purchase_description or item.description
        price, account = item.purchase_unit_price, item.purchase_account_code
        tax = item.purchase_tax_type
    return ItemFill((description or item.name or "").strip(), price, account or "", tax or "")


@dataclass(frozen=True)
class Reference:
    organisation: Organisation
    accounts: tuple[Account, ...]
    tax_rates: tuple[TaxRate, ...]
    items: tuple[Item, ...]
    currencies: tuple[str, ...]  # ISO codes, base first

    @property
    def base_currency(self) -> str:
        return self.organisation.base_currency

    @property
    def lock_dates(self) -> list[tuple[str, date]]:
        """(label, date) of each lock the organisation has set: nothing on or before it."""
        org = self.organisation
        found = [("end of year lock date", org.end_of_year_lock_date)]
        found.append(("period lock date", org.period_lock_date))
        return [(label, day) for label, day in found if day is not None]

    # --- what a document of each kind may use ---------------------------------------------

    def accounts_for(self, kind: str) -> list[Account]:
        types = SALES_ACCOUNT_TYPES if is_sales(kind) else PURCHASE_ACCOUNT_TYPES
        return [
            a
            for a in self.accounts
            if a.code and a.is_active and a.type in types and not a.system_account
        ]

    def tax_rates_for(self, kind: str) -> list[TaxRate]:
        sales = is_sales(kind)
        return [
            rate
            for rate in self.tax_rates
            if rate.status == "ACTIVE"
            and (rate.can_apply_to_revenue if sales else rate.can_apply_to_expenses)
        ]

    def items_for(self, kind: str) -> list[Item]:
        sales = is_sales(kind)
        return [item for item in self.items if (item.is_sold if sales else item.is_purchased)]

    # --- lookups ------------------------------------------------------------------------------

    def account(self, code: str) -> Account | None:
        """The account with exactly this code (Xero's codes are case-sensitive)."""
        return next((a for a in self.accounts if a.code == code), None)

    def account_ignoring_case(self, code: str) -> Account | None:
        folded = code.casefold()
        return next((a for a in self.accounts if (a.code or "").casefold() == folded), None)

    def tax_rate(self, tax_type: str) -> TaxRate | None:
        return next((t for t in self.tax_rates if t.tax_type == tax_type), None)

    def item(self, code: str) -> Item | None:
        return next((i for i in self.items if i.code == code), None)

    def rate_of(self, tax_type: str | None) -> Decimal:
        """The EffectiveRate (percent) the totals use; 0 for none or an unknown type."""
        rate = self.tax_rate(tax_type) if tax_type else None
        return rate.effective_rate if rate and rate.effective_rate is not None else Decimal(0)

    # --- defaults -----------------------------------------------------------------------------

    def default_account(self, kind: str, preferred: str = "") -> str:
        """The admin's default when this organisation can use it, else the first usable one."""
        usable = [a.code for a in self.accounts_for(kind)]
        if preferred in usable:
            return preferred
        return usable[0] if usable else ""

    def default_tax_type(self, kind: str, account_code: str, preferred: str = "") -> str:
        """The admin's default tax rate, else the account's own, else the first that applies."""
        usable = [t.tax_type for t in self.tax_rates_for(kind)]
        account = self.account(account_code) if account_code else None
        for candidate in (preferred, account.tax_type if account else None):
            if candidate and candidate in usable:
                return candidate
        return usable[0] if usable else ""
