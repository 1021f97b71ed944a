"""An organisation's reference data, loaded once per write: what validation checks against."""

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from widget.sandbox import seed_data
from widget.sandbox.models import Document, Organisation
from widget.sandbox.serialise import read_date

#: Windows time-zone names (as Xero reports them) for the demo organisations.
TIME_ZONES = {
    "NEWZEALANDSTANDARDTIME": "Pacific/Auckland",
    "GMTSTANDARDTIME": "Europe/London",
    "EASTERNSTANDARDTIME": "America/New_York",
}


@dataclass
class OrgContext:
    tenant_id: str
    organisation: dict
    today: date
    currencies: dict[str, Decimal]  # code -> units per one base unit
    accounts: dict[str, dict]
    tax_rates: dict[str, dict]
    items: dict[str, dict]

    @property
    def base_currency(self) -> str:
        return self.organisation["BaseCurrency"]

    @property
    def period_lock(self) -> date | None:
        return read_date(self.organisation.get("PeriodLockDate"))

    @property
    def end_of_year_lock(self) -> date | None:
        return read_date(self.organisation.get("EndOfYearLockDate"))

    def rate_of(self, tax_type: str) -> Decimal:
        rate = self.tax_rates.get(tax_type)
        return Decimal(str(rate["EffectiveRate"])) if rate else Decimal(0)

    def default_tax_type(self, sales: bool) -> str:
        """A line with neither account nor tax type: the tax of the first active sales (or
        purchase) account (*guess*: Xero applies the organisation's default tax)."""
        wanted = ("REVENUE", "SALES") if sales else ("DIRECTCOSTS", "EXPENSE", "OVERHEADS")
        for account in self.accounts.values():
            if account.get("Type") in wanted and account.get("Status") == "ACTIVE":
                return account.get("TaxType") or "NONE"
        return "NONE"

    def rates(self) -> dict[str, Decimal]:
        return {tax_type: self.rate_of(tax_type) for tax_type in self.tax_rates}


def org_today(organisation: dict, now_utc) -> date:
    """Today in the organisation's own time zone (what "overdue" and default dates use)."""
    zone = TIME_ZONES.get(organisation.get("Timezone", ""), "UTC")
    return now_utc.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(zone)).date()


def _foreign_rates(name: str) -> dict[str, Decimal]:
    spec = next((org for org in seed_data.ORGS if org.name == name), None)
    return dict(spec.foreign) if spec else {}


def load_context(session: Session, tenant_id: str, now_utc) -> OrgContext:
    org = session.get(Organisation, tenant_id)
    organisation = json.loads(org.body)
    rows = session.execute(
        select(Document.kind, Document.body).where(
            Document.tenant_id == tenant_id,
            Document.kind.in_(("account", "taxrate", "item", "currency")),
        )
    )
    found: dict[str, list[dict]] = {"account": [], "taxrate": [], "item": [], "currency": []}
    for kind, body in rows:
        found[kind].append(json.loads(body))
    foreign = _foreign_rates(org.name)
    currencies = {c["Code"]: foreign.get(c["Code"], Decimal(1)) for c in found["currency"]}
    return OrgContext(
        tenant_id=tenant_id,
        organisation=organisation,
        today=org_today(organisation, now_utc),
        currencies=currencies,
        accounts={a["Code"]: a for a in found["account"]},
        tax_rates={t["TaxType"]: t for t in found["taxrate"]},
        items={i["Code"]: i for i in found["item"]},
    )
