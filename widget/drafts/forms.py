"""The quote / invoice / bill form: its starting values (admin defaults), what was typed (kept on
every error), the draft sent to Xero, and Xero's refusals put back beside the field they concern.

Lines arrive as repeated fields in page order (`description`, `quantity`, … once per line), so
adding and removing lines in the browser needs no renumbering.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from widget.drafts import settings as draft_settings
from widget.drafts import totals
from widget.drafts.reference import Reference
from widget.drafts.validation import (
    Checked,
    CheckedLine,
    DraftValues,
    LineValues,
    line_key,
    parse_number,
)
from widget.xero import (
    InvoiceDraft,
    InvoiceType,
    LineAmountTypes,
    LineItemDraft,
    QuoteDraft,
    XeroValidationError,
)

LINE_FIELDS = ("item_code", "description", "quantity", "unit_amount", "account_code", "tax_type")
HEADER_FIELDS = (
    "date",
    "due_date",
    "expiry_date",
    "reference",
    "currency_code",
    "line_amount_types",
)
MAX_FIELD = 5000  # longer than any valid value; bounds what a hostile post makes us hold
MAX_FORM_LINES = 200
NAMES = {"quote": "quote", "invoice": "draft invoice", "bill": "draft bill"}
_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
#: Xero's names in XeroValidationError.field_errors -> the form's
_XERO_HEADER = {
    "Date": "date",
    "DueDate": "due_date",
    "ExpiryDate": "expiry_date",
    "CurrencyCode": "currency_code",
    "LineAmountTypes": "line_amount_types",
    "Reference": "reference",
    "LineItems": "lines",
}
_XERO_LINE = {
    "ItemCode": "item_code",
    "Description": "description",
    "Quantity": "quantity",
    "UnitAmount": "unit_amount",
    "AccountCode": "account_code",
    "TaxType": "tax_type",
}
_XERO_LINE_PATH = re.compile(r"^LineItems\[(\d+)\](?:\.(\w+))?$")


def new_key() -> str:
    return secrets.token_urlsafe(24)


def _text(data, name: str) -> str:
    return str(data.get(name, ""))[:MAX_FIELD]


@dataclass
class DraftForm:
    values: DraftValues
    contact_id: str
    idempotency_key: str = field(default_factory=new_key)
    errors: dict[str, list[str]] = field(default_factory=dict)
    general_errors: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.values.kind

    @property
    def name(self) -> str:
        return NAMES[self.kind]

    # --- building -----------------------------------------------------------------------------

    @classmethod
    def new(
        cls,
        kind: str,
        contact_id: str,
        ref: Reference,
        prefs: draft_settings.DraftSettings,
        today: date,
        names: dict[str, str],
    ) -> DraftForm:
        """A fresh form: today in the organisation's zone, the admin's days, reference template,
        amounts setting, account and tax rate (where this organisation can use them)."""
        line = default_line(kind, ref, prefs)
        later = (today + timedelta(days=prefs.days_for(kind))).isoformat()
        reference = draft_settings.render_reference(
            prefs.reference_template, day=today, kind=kind, **names
        )
        values = DraftValues(
            kind=kind,
            date=today.isoformat(),
            due_date=later if kind != "quote" else "",
            expiry_date=later if kind == "quote" else "",
            reference=reference,
            currency_code=ref.base_currency,
            line_amount_types=prefs.line_amount_types,
            lines=(line,),
        )
        return cls(values, contact_id)

    @classmethod
    def from_post(cls, kind: str, data) -> DraftForm:
        columns = {name: data.getlist(name)[:MAX_FORM_LINES] for name in LINE_FIELDS}
        count = max((len(values) for values in columns.values()), default=0)
        lines = tuple(
            LineValues(
                **{
                    name: str(columns[name][i])[:MAX_FIELD] if i < len(columns[name]) else ""
                    for name in LINE_FIELDS
                }
            )
            for i in range(count)
        )
        header = {name: _text(data, name) for name in HEADER_FIELDS}
        form = cls(DraftValues(kind=kind, lines=lines, **header), _text(data, "contact_id"))
        key = _text(data, "idempotency_key")
        if _KEY.match(key):
            form.idempotency_key = key  # the same form sent again is the same document
        return form

    def take(self, checked: Checked) -> None:
        """Our own checks' messages, to show beside the fields."""
        self.errors = {key: list(messages) for key, messages in checked.errors.items()}
        self.general_errors = list(checked.general)

    def draft(self, checked: Checked) -> InvoiceDraft | QuoteDraft:
        lines = tuple(_line_draft(line) for line in checked.lines)
        reference = self.values.reference.strip() or None
        common = {
            "contact_id": self.contact_id,
            "date": checked.date,
            "currency_code": checked.currency_code,
            "line_amount_types": checked.amount_types,
            "line_items": lines,
        }
        if self.kind == "quote":
            return QuoteDraft(expiry_date=checked.expiry_date, reference=reference, **common)
        if self.kind == "bill":  # a bill's reference is its InvoiceNumber (Reference: ACCREC only)
            return InvoiceDraft(
                type=InvoiceType.BILL, due_date=checked.due_date, invoice_number=reference, **common
            )
        return InvoiceDraft(
            type=InvoiceType.SALES, due_date=checked.due_date, reference=reference, **common
        )

    # --- Xero said no -------------------------------------------------------------------------

    def refused(self, error: XeroValidationError, sent: list[int]) -> None:
        """Xero's messages beside our fields; `sent[k]` is the form line of the k-th line sent.

        Nothing was created and Xero keeps the key with its refusal: the corrected form needs a
        new key (the old one with other values would be refused as a reused key).
        """
        self.idempotency_key = new_key()
        for path, messages in error.field_errors.items():
            key = _form_key(path, sent, self.kind)
            for message in messages:
                if key:
                    self._error(key, message)
                elif message not in self.general_errors:
                    self.general_errors.append(message)
        for message in error.general_errors:
            if message not in self.general_errors:
                self.general_errors.append(message)

    def _error(self, key: str, message: str) -> None:
        bucket = self.errors.setdefault(key, [])
        if message not in bucket:
            bucket.append(message)

    # --- showing ------------------------------------------------------------------------------

    def line_errors(self, index: int, name: str) -> list[str]:
        return self.errors.get(line_key(index, name), [])

    def preview(self, ref: Reference) -> Preview:
        """Totals of what is typed so far (lines whose numbers do not parse count as nothing),
        for the first render; static/drafts.js keeps them current as the rep types."""
        try:
            amount_types = LineAmountTypes.parse(self.values.line_amount_types)
        except ValueError:
            amount_types = None
        amount_types = amount_types or LineAmountTypes.EXCLUSIVE
        lines: list[totals.LineTotal | None] = []
        for line in self.values.lines:
            quantity, _q = parse_number(line.quantity or "")
            unit, _u = parse_number(line.unit_amount or "")
            if quantity is None or unit is None:
                lines.append(None)
                continue
            rate = ref.rate_of(line.tax_type or None)
            lines.append(totals.line_total(totals.Line(quantity, unit, rate), amount_types))
        counted = (line for line in lines if line is not None)
        return Preview(tuple(lines), totals.combine(counted, amount_types))


@dataclass(frozen=True)
class Preview:
    lines: tuple[totals.LineTotal | None, ...]
    document: totals.DocumentTotals


def default_line(kind: str, ref: Reference, prefs: draft_settings.DraftSettings) -> LineValues:
    """A new line: the admin's account and tax rate where this organisation can use them."""
    account = ref.default_account(kind, prefs.account_for(kind))
    tax_type = ref.default_tax_type(kind, account, prefs.tax_type_for(kind))
    return LineValues(account_code=account, tax_type=tax_type)


def _line_draft(line: CheckedLine) -> LineItemDraft:
    return LineItemDraft(
        description=line.description or None,
        quantity=line.quantity,
        unit_amount=line.unit_amount,
        account_code=line.account_code,
        tax_type=line.tax_type,
        item_code=line.item_code,
    )


def _form_key(path: str, sent: list[int], kind: str) -> str | None:
    if path == "InvoiceNumber":
        return "reference" if kind == "bill" else None
    if path in _XERO_HEADER:
        return _XERO_HEADER[path]
    match = _XERO_LINE_PATH.match(path)
    if not match:
        return None
    position, attribute = int(match.group(1)), match.group(2)
    if position >= len(sent):
        return "lines"
    name = _XERO_LINE.get(attribute or "")
    return line_key(sent[position], name) if name else "lines"
