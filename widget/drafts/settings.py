"""The admin's defaults for new drafts, kept in the workspace's settings (JSON) and audited.

Stored under `Workspace.settings["drafts"]`, except whether ACCEPTED quotes count as open, which
lives at the top-level key the contact panel's summary reads (`widget.contact.context`). Account
codes and tax types are the admin's preference: a form uses one only when the connected
organisation can (another organisation connected later may not have it), else its own first choice.
"""

from __future__ import annotations

import dataclasses
import re
import string
from dataclasses import dataclass, fields
from datetime import date

from sqlalchemy.orm import Session

from widget.auth import audit
from widget.auth.models import User, Workspace
from widget.contact.context import ACCEPTED_QUOTES_SETTING
from widget.drafts.reference import MAX_ACCOUNT_CODE, Reference
from widget.xero.models import LineAmountTypes

SETTINGS_KEY = "drafts"
MAX_DAYS = 365
MAX_TEMPLATE = 255
#: what a reference template may name, and what each stands for
PLACEHOLDERS = {
    "contact": "the Xero contact's name",
    "record": "the CRM record's name",
    "user": "your name",
    "date": "the document date (YYYY-MM-DD)",
    "kind": "quote, invoice or bill",
}
_CODE = re.compile(rf"^[^\s<>\"']{{0,{MAX_ACCOUNT_CODE}}}$")
_TAX_TYPE = re.compile(r"^[A-Z0-9_]{0,50}$")


@dataclass(frozen=True)
class DraftSettings:
    sales_account: str = ""
    purchase_account: str = ""
    sales_tax_type: str = ""
    purchase_tax_type: str = ""
    line_amount_types: str = LineAmountTypes.EXCLUSIVE.value
    invoice_due_days: int = 14
    bill_due_days: int = 30
    quote_expiry_days: int = 30
    reference_template: str = ""
    open_quotes_include_accepted: bool = False

    def account_for(self, kind: str) -> str:
        return self.purchase_account if kind == "bill" else self.sales_account

    def tax_type_for(self, kind: str) -> str:
        return self.purchase_tax_type if kind == "bill" else self.sales_tax_type

    def days_for(self, kind: str) -> int:
        return {
            "quote": self.quote_expiry_days,
            "invoice": self.invoice_due_days,
            "bill": self.bill_due_days,
        }[kind]


DEFAULTS = DraftSettings()
_NAMES = [f.name for f in fields(DraftSettings)]


def load(workspace: Workspace) -> DraftSettings:
    """The workspace's settings; anything missing or unreadable is the default."""
    stored = workspace.settings if isinstance(workspace.settings, dict) else {}
    raw = stored.get(SETTINGS_KEY)
    raw = dict(raw) if isinstance(raw, dict) else {}
    raw["open_quotes_include_accepted"] = bool(stored.get(ACCEPTED_QUOTES_SETTING))
    parsed, _errors = parse(raw)
    return parsed


def parse(data, ref: Reference | None = None) -> tuple[DraftSettings, dict[str, str]]:
    """Settings from a submitted form (or stored JSON), and a message per field that is wrong.

    With the organisation's reference data, codes must also exist there and suit their use."""
    errors: dict[str, str] = {}
    values: dict = {}
    for name in ("sales_account", "purchase_account"):
        values[name] = str(data.get(name) or "").strip()
        if not _CODE.match(values[name]):
            errors[name] = f"Account codes are at most {MAX_ACCOUNT_CODE} characters."
    for name in ("sales_tax_type", "purchase_tax_type"):
        values[name] = str(data.get(name) or "").strip()
        if not _TAX_TYPE.match(values[name]):
            errors[name] = "Choose a tax rate from the list."
    amount_types = str(data.get("line_amount_types") or DEFAULTS.line_amount_types)
    try:
        values["line_amount_types"] = LineAmountTypes.parse(amount_types).value
    except (ValueError, AttributeError):
        errors["line_amount_types"] = "Choose exclusive, inclusive or no tax."
    for name in ("invoice_due_days", "bill_due_days", "quote_expiry_days"):
        values[name], problem = _days(data.get(name), getattr(DEFAULTS, name))
        if problem:
            errors[name] = problem
    template = str(data.get("reference_template") or "").strip()
    values["reference_template"] = template
    problem = template_problem(template)
    if problem:
        errors["reference_template"] = problem
    values["open_quotes_include_accepted"] = _flag(data.get("open_quotes_include_accepted"))
    if ref is not None:
        _check_against(values, ref, errors)
    kept = {name: values.get(name, getattr(DEFAULTS, name)) for name in _NAMES}
    kept.update({name: getattr(DEFAULTS, name) for name in errors})
    return DraftSettings(**kept), errors


def save(session: Session, workspace: Workspace, new: DraftSettings, user: User | None) -> dict:
    """Store the settings; audit what changed (field -> [before, after]). The caller commits."""
    old = load(workspace)
    changed = {
        name: [getattr(old, name), getattr(new, name)]
        for name in _NAMES
        if getattr(old, name) != getattr(new, name)
    }
    if not changed:
        return {}
    # a new dict: SQLAlchemy notices a JSON column change by assignment only
    stored = dict(workspace.settings) if isinstance(workspace.settings, dict) else {}
    drafts = dataclasses.asdict(new)
    stored[ACCEPTED_QUOTES_SETTING] = drafts.pop("open_quotes_include_accepted")
    stored[SETTINGS_KEY] = drafts
    workspace.settings = stored
    audit.record(session, workspace.id, user, "settings.change", "draft defaults", changed=changed)
    return changed


def template_problem(template: str) -> str | None:
    if len(template) > MAX_TEMPLATE:
        return f"Use at most {MAX_TEMPLATE} characters."
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        return "Braces must come in pairs, like {contact}."
    for _text, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            known = ", ".join("{" + key + "}" for key in PLACEHOLDERS)
            return f"Use only {known}."
    return None


def render_reference(template: str, *, contact: str, record: str, user: str, day: date, kind: str):
    """The template filled in (an invalid template, which `parse` never stores, is left as is)."""
    if template_problem(template):
        return template[:MAX_TEMPLATE]
    values = {"contact": contact, "record": record, "user": user, "date": day.isoformat()}
    values["kind"] = kind
    out = []
    for text, name, _spec, _conversion in string.Formatter().parse(template):
        out.append(text)
        if name is not None:
            out.append(values[name])
    return "".join(out)[:MAX_TEMPLATE]


def _days(value, default: int) -> tuple[int, str | None]:
    text = str(value if value is not None else default).strip()
    if not text.isdigit() or int(text) > MAX_DAYS:
        return default, f"Enter a whole number of days from 0 to {MAX_DAYS}."
    return int(text), None


def _flag(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("1", "true", "on", "yes")


def _check_against(values: dict, ref: Reference, errors: dict[str, str]) -> None:
    for name, kind in (("sales_account", "invoice"), ("purchase_account", "bill")):
        code = values[name]
        if code and name not in errors and code not in [a.code for a in ref.accounts_for(kind)]:
            errors[name] = "Choose an active account of this organisation from the list."
    for name, kind in (("sales_tax_type", "invoice"), ("purchase_tax_type", "bill")):
        tax = values[name]
        if tax and name not in errors and tax not in [t.tax_type for t in ref.tax_rates_for(kind)]:
            errors[name] = "Choose a tax rate that applies here from the list."
