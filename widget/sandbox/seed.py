"""Deterministic demo organisations: the same seed and day always give the same data.

Ids are uuid5 of stable names; every random choice comes from one `random.Random(seed)` per
organisation; dates are offsets from "today" (the sandbox clock's), chosen so that whatever the
day there are overdue invoices and bills, expired quotes, and due dates still ahead.
"""

import random
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache

from widget.sandbox import seed_data as data
from widget.sandbox.compose import priced_lines, totals_json
from widget.sandbox.serialise import iso_date, money, ms_date, read_date

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://sandbox.xero-crm-widget.invalid/")
DEFAULT_SEED = 20261122

INVOICE_STATUSES = [
    ("DRAFT", 12),
    ("SUBMITTED", 8),
    ("AUTHORISED", 42),
    ("PAID", 26),
    ("VOIDED", 6),
    ("DELETED", 6),
]
CREDIT_NOTE_STATUSES = [("AUTHORISED", 60), ("VOIDED", 15), ("DRAFT", 15), ("DELETED", 10)]
QUOTE_STATUSES = [
    ("DRAFT", 20),
    ("SENT", 35),
    ("DECLINED", 10),
    ("ACCEPTED", 15),
    ("INVOICED", 12),
    ("DELETED", 8),
]


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def tenant_id_for(org_name: str) -> str:
    return stable_id("org", org_name)


@dataclass
class OrgData:
    tenant_id: str
    name: str
    organisation: dict
    documents: dict[str, list[dict]] = field(default_factory=dict)


def _stamp(day: date, rng: random.Random, today: date | None = None) -> str:
    """An UpdatedDateUTC on `day` (never after yesterday when `today` is given: Xero's
    stamps are never in the future, and If-Modified-Since relies on it)."""
    if today is not None:
        day = min(day, today - timedelta(days=1))
    moment = datetime.combine(day, time(8)) + timedelta(minutes=rng.randint(0, 600))
    return ms_date(moment.replace(microsecond=0) + timedelta(milliseconds=rng.randint(0, 999)))


def _lock_dates(today: date) -> tuple[date, date]:
    """Period lock: the end of the month a year ago; end of year lock: the 31 March before it."""
    year_ago = today.replace(day=1) - timedelta(days=335)
    period = year_ago.replace(day=1) - timedelta(days=1)
    eoy_year = period.year if (period.month, period.day) >= (3, 31) else period.year - 1
    return period, date(eoy_year, 3, 31)


def organisation_json(spec: data.OrgSpec, tenant_id: str, today: date) -> dict:
    body = {
        "OrganisationID": tenant_id,
        "APIKey": "",
        "Name": spec.name,
        "LegalName": spec.name.replace("Demo Company", "Demo Company Limited"),
        "PaysTax": True,
        "Version": spec.version,
        "OrganisationType": "COMPANY",
        "BaseCurrency": spec.base_currency,
        "CountryCode": spec.country,
        "IsDemoCompany": True,
        "OrganisationStatus": "ACTIVE",
        "RegistrationNumber": "",
        "TaxNumber": {"NZ": "101-345-678", "UK": "GB 123 4567 89", "US": "12-3456789"}[spec.tax],
        "FinancialYearEndDay": 31,
        "FinancialYearEndMonth": 3 if spec.tax != "US" else 12,
        "SalesTaxBasis": {"NZ": "INVOICE", "UK": "ACCRUALS", "US": "ACCRUAL"}[spec.tax],
        "SalesTaxPeriod": {"NZ": "TWOMONTHS", "UK": "QUARTERLY1", "US": "QUARTERLY"}[spec.tax],
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Inclusive",
        "CreatedDateUTC": ms_date(datetime.combine(date(2019, 4, 1), time(9, 30))),
        "Timezone": spec.timezone,
        "OrganisationEntityType": "COMPANY",
        "ShortCode": spec.short_code,
        "Class": "DEMO",
        "Edition": "BUSINESS",
        "LineOfBusiness": "Software and consulting",
        "Addresses": [
            {
                "AddressType": "STREET",
                "AddressLine1": "23 Main Street",
                "City": spec.city,
                "Region": spec.region,
                "PostalCode": "6011",
                "Country": spec.country,
            }
        ],
        "Phones": [{"PhoneType": "OFFICE", "PhoneNumber": "555-0100"}],
        "ExternalLinks": [],
        "PaymentTerms": {"Sales": {"Day": 20, "Type": "DAYSAFTERBILLDATE"}},
    }
    if spec.lock_dates:
        period, end_of_year = _lock_dates(today)
        body["PeriodLockDate"] = ms_date(period)
        body["EndOfYearLockDate"] = ms_date(end_of_year)
    return body


def _tax_rates(spec: data.OrgSpec, stamp: str) -> list[dict]:
    rates = []
    for tax_type, name, rate, status, revenue, expenses in data.TAX_RATES[spec.tax]:
        rates.append(
            {
                "Name": name,
                "TaxType": tax_type,
                "ReportTaxType": "OUTPUT" if revenue and not expenses else "INPUT",
                "CanApplyToAssets": expenses,
                "CanApplyToEquity": False,
                "CanApplyToExpenses": expenses,
                "CanApplyToLiabilities": expenses,
                "CanApplyToRevenue": revenue,
                "DisplayTaxRate": float(rate),
                "EffectiveRate": float(rate),
                "Status": status,
                "TaxComponents": [
                    {
                        "Name": name,
                        "Rate": float(rate),
                        "IsCompound": False,
                        "IsNonRecoverable": False,
                    }
                ],
            }
        )
    return rates


def _sales_tax(spec: data.OrgSpec) -> str:
    return {"NZ": "OUTPUT2", "UK": "OUTPUT2", "US": "OUTPUT"}[spec.tax]


def _purchase_tax(spec: data.OrgSpec) -> str:
    return {"NZ": "INPUT2", "UK": "INPUT2", "US": "INPUT"}[spec.tax]


def _accounts(spec: data.OrgSpec, tenant_id: str, stamp: str) -> list[dict]:
    accounts = []
    for kind, code, name, account_type, status in data.ACCOUNTS:
        tax = {"sales": _sales_tax(spec), "purchase": _purchase_tax(spec)}.get(kind, "NONE")
        account = {
            "AccountID": stable_id(tenant_id, "account", code),
            "Code": code,
            "Name": name,
            "Status": status,
            "Type": account_type,
            "TaxType": tax,
            "Class": data.ACCOUNT_CLASS[account_type],
            "EnablePaymentsToAccount": False,
            "ShowInExpenseClaims": kind == "purchase",
            "ReportingCode": data.ACCOUNT_CLASS[account_type][:3],
            "ReportingCodeName": data.ACCOUNT_CLASS[account_type].title(),
            "HasAttachments": False,
            "UpdatedDateUTC": stamp,
            "AddToWatchlist": False,
        }
        if account_type == "BANK":
            account.update(
                BankAccountNumber="0209087654321050",
                BankAccountType="BANK",
                CurrencyCode=spec.base_currency,
            )
        if code in data.SYSTEM_ACCOUNTS:
            account["SystemAccount"] = data.SYSTEM_ACCOUNTS[code]
        accounts.append(account)
    return accounts


def _items(spec: data.OrgSpec, tenant_id: str, stamp: str) -> list[dict]:
    items = []
    for code, name, sale, purchase in data.ITEMS:
        items.append(
            {
                "ItemID": stable_id(tenant_id, "item", code),
                "Code": code,
                "Name": name,
                "Description": name,
                "PurchaseDescription": f"{name} (purchase)",
                "IsSold": True,
                "IsPurchased": purchase != "0.00",
                "IsTrackedAsInventory": False,
                "SalesDetails": {
                    "UnitPrice": float(sale),
                    "AccountCode": "200",
                    "TaxType": _sales_tax(spec),
                },
                "PurchaseDetails": {
                    "UnitPrice": float(purchase),
                    "AccountCode": "300",
                    "TaxType": _purchase_tax(spec),
                },
                "UpdatedDateUTC": stamp,
            }
        )
    return items


class _OrgBuilder:
    """Builds one organisation's contacts and documents from its own random stream."""

    def __init__(self, spec: data.OrgSpec, seed: int, today: date):
        self.spec, self.today = spec, today
        self.rng = random.Random(f"{seed}:{spec.name}")
        self.seed = seed
        self.tenant_id = tenant_id_for(spec.name)
        rates = data.TAX_RATES[spec.tax]
        self.rates = {tax_type: Decimal(rate) for tax_type, _, rate, *_ in rates}

    # -- contacts -----------------------------------------------------------------------------
    def contacts(self) -> list[dict]:
        rng, names, contacts = self.rng, set(), []
        while len(contacts) < self.spec.contacts:
            index = len(contacts)
            contact = self._company(index) if rng.random() < 0.6 else self._person(index)
            if contact["Name"].lower() in names and self.spec.numbered_duplicates:
                contact["Name"] = f"{contact['Name']} {index}"
                contact["ContactID"] = stable_id(self.tenant_id, "contact", contact["Name"].lower())
            if contact["Name"].lower() in names:
                continue
            names.add(contact["Name"].lower())
            contacts.append(contact)
        for index, contact in enumerate(contacts):
            contact["_role"] = rng.choices(
                ["customer", "supplier", "both", "none"], weights=[55, 25, 10, 10]
            )[0]
            if index % 17 == 5:
                contact["ContactStatus"] = "ARCHIVED"
        merged = [c for c in contacts if c["ContactStatus"] == "ARCHIVED"][:2]
        for contact in merged:
            target = contacts[contacts.index(contact) + 1]
            contact["MergedToContactID"] = target["ContactID"]
        foreign = sorted(self.spec.foreign)
        for position, contact in enumerate(contacts[3::9] if foreign else []):
            contact["DefaultCurrency"] = foreign[position % len(foreign)]
        return contacts

    def _base_contact(self, name: str, email: str, index: int) -> dict:
        rng, spec = self.rng, self.spec
        contact = {
            "ContactID": stable_id(self.tenant_id, "contact", name.lower()),
            "ContactStatus": "ACTIVE",
            "Name": name,
            "EmailAddress": email,
            "BankAccountDetails": "",
            "Addresses": [
                {
                    "AddressType": "POBOX",
                    "AddressLine1": f"PO Box {rng.randint(100, 9999)}",
                    "City": spec.city,
                    "Region": spec.region,
                    "PostalCode": str(rng.randint(1000, 9999)),
                    "Country": spec.country,
                },
                {
                    "AddressType": "STREET",
                    "AddressLine1": f"{rng.randint(1, 400)} {rng.choice(data.STREETS)} Street",
                    "City": spec.city,
                    "Region": spec.region,
                    "PostalCode": str(rng.randint(1000, 9999)),
                    "Country": spec.country,
                },
            ],
            "Phones": [
                {"PhoneType": kind, "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""}
                for kind in ("DDI", "FAX", "MOBILE")
            ]
            + [
                {
                    "PhoneType": "DEFAULT",
                    "PhoneNumber": f"{rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
                    "PhoneAreaCode": str(rng.randint(2, 9)),
                    "PhoneCountryCode": "",
                }
            ],
            "UpdatedDateUTC": _stamp(self.today - timedelta(days=rng.randint(30, 900)), rng),
            "ContactGroups": [],
            "ContactPersons": [],
            "HasAttachments": False,
            "HasValidationErrors": False,
        }
        if index % 4 == 0:
            contact["ContactNumber"] = f"CN-{1000 + index}"
        if index % 3 == 0:
            contact["AccountNumber"] = f"AC{2000 + index}"
        return contact

    def _person(self, index: int) -> dict:
        rng = self.rng
        first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
        email = f"{first}.{last}@{rng.choice(data.PERSONAL_DOMAINS)}".lower()
        contact = self._base_contact(f"{first} {last}", email, index)
        contact.update(FirstName=first, LastName=last)
        return contact

    def _company(self, index: int) -> dict:
        rng = self.rng
        word, trade = rng.choice(data.COMPANY_WORDS), rng.choice(data.COMPANY_TRADES)
        base = f"{word} {trade}"
        domain = f"{word}{trade}.{self.spec.email_tld}".lower()
        suffix = rng.choice(data.COMPANY_SUFFIX)
        name = f"{base} {suffix}".strip()
        contact = self._base_contact(name, f"accounts@{domain}", index)
        contact["CompanyNumber"] = str(rng.randint(1000000, 9999999))
        for _ in range(rng.choice([0, 0, 1, 2, 3, 5])):
            first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
            contact["ContactPersons"].append(
                {
                    "FirstName": first,
                    "LastName": last,
                    "EmailAddress": f"{first}.{last}@{domain}".lower(),
                    "IncludeInEmails": rng.random() < 0.5,
                }
            )
        return contact

    # -- documents ----------------------------------------------------------------------------
    def _lines(self, sales: bool, amount_types: str, foreign: bool) -> list[dict]:
        rng, lines = self.rng, []
        for _ in range(rng.choice([1, 1, 2, 2, 3, 4])):
            code, name, sale, purchase = rng.choice(data.ITEMS)
            quantity = Decimal(rng.choice([1, 1, 2, 3, 5, 8, 10, 12])) + (
                Decimal("0.5") if rng.random() < 0.1 else 0
            )
            if rng.random() < 0.5:
                unit, description, item = Decimal(sale if sales else purchase), name, code
            else:
                unit = Decimal(rng.randint(2000, 250000)) / 100
                description, item = rng.choice(_FREE_TEXT[sales]), None
            if unit == 0:
                unit = Decimal("50.00")
            if sales:
                account = rng.choice(["200", "200", "205", "260"])
                tax = (
                    "ZERORATED" if foreign and "ZERORATED" in self.rates else _sales_tax(self.spec)
                )
            else:
                account = rng.choice(["300", "310", "400", "408", "412", "429", "445", "489"])
                tax = _purchase_tax(self.spec)
            line = {
                "LineItemID": stable_id(self.tenant_id, "line", str(rng.random())),
                "Description": description,
                "Quantity": quantity,
                "UnitAmount": unit,
                "AccountCode": account,
                "TaxType": tax,
            }
            if item:
                line["ItemCode"] = item
            lines.append(line)
        return priced_lines(lines, amount_types, self.rates)

    def _currency(self, contact: dict) -> tuple[str, Decimal]:
        code = contact.get("DefaultCurrency")
        if code and code in self.spec.foreign:
            return code, self.spec.foreign[code]
        return self.spec.base_currency, Decimal("1")

    def invoices(self, customers: list[dict], suppliers: list[dict]) -> list[dict]:
        rng, today, out = self.rng, self.today, []
        foreign_pools = {
            True: [c for c in customers if c.get("DefaultCurrency")],
            False: [c for c in suppliers if c.get("DefaultCurrency")],
        }
        for index in range(self.spec.invoices):
            sales, status, timing = self._invoice_plan(index)
            pool = customers if sales else suppliers
            foreign = foreign_pools[sales]
            if foreign and index % 7 == 3:
                pool = foreign
            contact = rng.choice(pool)
            invoice_date = today - timedelta(days=self._invoice_age(status, timing))
            due_date = invoice_date + timedelta(days=rng.choice([7, 14, 20, 30]))
            if timing == "overdue":
                due_date = min(due_date, today - timedelta(days=rng.randint(1, 30)))
            elif timing == "future":
                due_date = today + timedelta(days=rng.randint(1, 40))
            invoice_date = min(invoice_date, due_date)
            currency, rate = self._currency(contact)
            amount_types = rng.choices(["Exclusive", "Inclusive", "NoTax"], [70, 25, 5])[0]
            lines, totals = self._lines(sales, amount_types, currency != self.spec.base_currency)
            invoice = {
                "Type": "ACCREC" if sales else "ACCPAY",
                "InvoiceID": stable_id(self.tenant_id, "invoice", str(index)),
                "InvoiceNumber": "" if sales else _supplier_reference(rng),
                "Reference": rng.choice(["", "PO 4471", "Website", "Project Kea", "Q3 retainer"])
                if sales
                else "",
                "Contact": {"ContactID": contact["ContactID"], "Name": contact["Name"]},
                "Date": ms_date(invoice_date),
                "DateString": iso_date(invoice_date),
                "DueDate": ms_date(due_date),
                "DueDateString": iso_date(due_date),
                "Status": status,
                "LineAmountTypes": amount_types,
                "LineItems": lines,
                **totals_json(totals),
                "TotalDiscount": 0.0,
                "CurrencyCode": currency,
                "CurrencyRate": float(rate),
                "IsDiscounted": False,
                "HasAttachments": False,
                "HasErrors": False,
                "SentToContact": status in ("AUTHORISED", "PAID") and sales,
                "Prepayments": [],
                "Overpayments": [],
                "CreditNotes": [],
                "UpdatedDateUTC": _stamp(invoice_date + timedelta(days=1), rng, today),
            }
            self._settle(invoice, totals.total, rate, index)
            out.append(invoice)
        return out

    def _invoice_plan(self, index: int) -> tuple[bool, str, str | None]:
        """(sales?, status, "overdue"/"future"/None): the first ones are pinned so that every
        organisation has every status of both kinds, overdue and not-yet-due, whatever today."""
        if index < len(_PINNED):
            return _PINNED[index]
        status = _weighted(self.rng, INVOICE_STATUSES)
        timing = None
        if status == "AUTHORISED":
            timing = "overdue" if index % 3 == 0 else "future" if index % 3 == 1 else None
        return index % 3 != 2, status, timing

    def _invoice_age(self, status: str, timing: str | None) -> int:
        """Days before today: drafts are recent, paid and voided ones older."""
        rng = self.rng
        if timing == "overdue":
            return rng.randint(45, 200)
        if status in ("DRAFT", "SUBMITTED") or timing == "future":
            return rng.randint(0, 30)
        if status == "AUTHORISED":
            return rng.randint(0, 120)
        return rng.randint(20, 480)

    def _settle(self, invoice: dict, total: Decimal, rate: Decimal, index: int) -> None:
        status, paid, credited = invoice["Status"], Decimal("0.00"), Decimal("0.00")
        if status == "PAID":
            paid = total
        elif status == "AUTHORISED" and index % 4 == 2:
            paid = (total * Decimal(self.rng.choice([25, 40, 50, 60])) / 100).quantize(
                Decimal("0.01")
            )
        elif status == "AUTHORISED" and index % 23 == 7:
            credited = (total / 10).quantize(Decimal("0.01"))
        payments = []
        if paid:
            paid_on = min(self.today, _from_ms(invoice["Date"]) + timedelta(days=10))
            payments.append(
                {
                    "PaymentID": stable_id(invoice["InvoiceID"], "payment"),
                    "Date": ms_date(paid_on),
                    "Amount": money(paid),
                    "Reference": "Direct credit",
                    "CurrencyRate": float(rate),
                    "HasAccount": False,
                    "HasValidationErrors": False,
                }
            )
            if status == "PAID":
                invoice["FullyPaidOnDate"] = ms_date(paid_on)
        due = total - paid - credited if status not in ("VOIDED", "DELETED") else Decimal(0)
        invoice.update(
            AmountDue=money(due),
            AmountPaid=money(paid),
            AmountCredited=money(credited),
            Payments=payments,
        )

    def quotes(self, customers: list[dict]) -> list[dict]:
        rng, today, out = self.rng, self.today, []
        for index in range(self.spec.quotes):
            contact = rng.choice(customers)
            status = _weighted(rng, QUOTE_STATUSES) if index >= 6 else _QUOTE_PINNED[index]
            age = rng.randint(0, 25) if index % 5 != 0 else rng.randint(40, 200)
            quote_date = today - timedelta(days=age)
            expiry = quote_date + timedelta(days=30)
            currency, rate = self._currency(contact)
            amount_types = rng.choices(["EXCLUSIVE", "INCLUSIVE", "NOTAX"], [75, 20, 5])[0]
            lines, totals = self._lines(True, amount_types, currency != self.spec.base_currency)
            out.append(
                {
                    "QuoteID": stable_id(self.tenant_id, "quote", str(index)),
                    "QuoteNumber": "",
                    "Reference": rng.choice(["", "Website refresh", "Annual support", "Phase 2"]),
                    "Terms": "Valid for 30 days.",
                    "Contact": {"ContactID": contact["ContactID"], "Name": contact["Name"]},
                    "LineItems": lines,
                    "Date": ms_date(quote_date),
                    "DateString": iso_date(quote_date),
                    "ExpiryDate": ms_date(expiry),
                    "ExpiryDateString": iso_date(expiry),
                    "Status": status,
                    "CurrencyCode": currency,
                    "CurrencyRate": float(rate),
                    **totals_json(totals),
                    "TotalDiscount": 0.0,
                    "Title": rng.choice(["Quote", "Proposal", "Estimate"]),
                    "Summary": "",
                    "UpdatedDateUTC": _stamp(quote_date, rng, today),
                    "LineAmountTypes": amount_types,
                }
            )
        return out

    # -- credit notes -------------------------------------------------------------------------
    def credit_notes(self, invoices: list[dict], customers: list, suppliers: list) -> list[dict]:
        """PAID notes behind the invoices' AmountCredited (allocated to them), then AUTHORISED
        ones with all their credit left, and VOIDED, DRAFT, DELETED and refunded (PAID) ones."""
        notes = [self._allocated_note(inv) for inv in invoices if inv.get("AmountCredited")]
        count = self.spec.credit_notes or max(8, self.spec.invoices // 25)
        for index in range(count):
            sales = index % 3 != 1
            pool = (customers if sales else suppliers) or customers
            contact = self.rng.choice(pool)
            status = _CREDIT_PINNED[index] if index < len(_CREDIT_PINNED) else None
            status = status or _weighted(self.rng, CREDIT_NOTE_STATUSES)
            day = self.today - timedelta(days=self.rng.randint(1, 200))
            notes.append(self._note(len(notes), sales, contact, day, status))
        _number_credit_notes(notes)
        numbers = {note["CreditNoteID"]: note["CreditNoteNumber"] for note in notes}
        for invoice in invoices:
            for applied in invoice["CreditNotes"]:
                applied["CreditNoteNumber"] = numbers[applied["CreditNoteID"]]
        return notes

    def _note(self, index: int, sales: bool, contact: dict, day: date, status: str) -> dict:
        currency, rate = self._currency(contact)
        amount_types = self.rng.choices(["Exclusive", "Inclusive"], [70, 30])[0]
        lines, totals = self._lines(sales, amount_types, currency != self.spec.base_currency)
        total = totals.total if status not in ("VOIDED", "DELETED") else Decimal(0)
        note = {
            "Type": "ACCRECCREDIT" if sales else "ACCPAYCREDIT",
            "CreditNoteID": stable_id(self.tenant_id, "creditnote", str(index)),
            "CreditNoteNumber": "" if sales else _supplier_reference(self.rng),
            "Reference": self.rng.choice(["", "Returned goods", "Goodwill", "Overcharge"]),
            "Contact": {"ContactID": contact["ContactID"], "Name": contact["Name"]},
            "Date": ms_date(day),
            "DateString": iso_date(day),
            "Status": status,
            "LineAmountTypes": amount_types,
            "LineItems": lines,
            **totals_json(totals),
            "CurrencyCode": currency,
            "CurrencyRate": float(rate),
            "RemainingCredit": money(total),
            "Allocations": [],
            "Payments": [],
            "HasAttachments": False,
            "HasErrors": False,
            "SentToContact": False,
            "UpdatedDateUTC": _stamp(day + timedelta(days=1), self.rng, self.today),
        }
        if status == "PAID":  # refunded: the credit went back as money
            note["RemainingCredit"] = 0.0
            note["FullyPaidOnDate"] = note["Date"]
            note["Payments"] = [
                {
                    "PaymentID": stable_id(note["CreditNoteID"], "refund"),
                    "Date": note["Date"],
                    "Amount": money(totals.total),
                    "Reference": "Refund",
                    "CurrencyRate": float(rate),
                    "HasAccount": False,
                    "HasValidationErrors": False,
                }
            ]
        return note

    def _allocated_note(self, invoice: dict) -> dict:
        """A PAID credit note of exactly the invoice's AmountCredited, allocated to it."""
        credited = Decimal(str(invoice["AmountCredited"]))
        sales = invoice["Type"] == "ACCREC"
        day = min(self.today, _from_ms(invoice["Date"]) + timedelta(days=5))
        note_id = stable_id(invoice["InvoiceID"], "creditnote")
        line = {
            "LineItemID": stable_id(note_id, "line"),
            "Description": "Credit for " + (invoice.get("InvoiceNumber") or "bill"),
            "Quantity": 1.0,
            "UnitAmount": money(credited),
            "AccountCode": "200" if sales else "300",
            "TaxType": "NONE",
            "TaxAmount": 0.0,
            "LineAmount": money(credited),
            "Tracking": [],
        }
        allocation = {
            "AllocationID": stable_id(note_id, "allocation"),
            "Amount": money(credited),
            "Date": ms_date(day),
            "Invoice": {
                "InvoiceID": invoice["InvoiceID"],
                "InvoiceNumber": invoice.get("InvoiceNumber") or "",
                "Type": invoice["Type"],
            },
            "IsDeleted": False,
        }
        note = {
            "Type": "ACCRECCREDIT" if sales else "ACCPAYCREDIT",
            "CreditNoteID": note_id,
            "CreditNoteNumber": "" if sales else _supplier_reference(self.rng),
            "Reference": "Credit against " + (invoice.get("InvoiceNumber") or "bill"),
            "Contact": dict(invoice["Contact"]),
            "Date": ms_date(day),
            "DateString": iso_date(day),
            "Status": "PAID",
            "LineAmountTypes": "NoTax",
            "LineItems": [line],
            "SubTotal": money(credited),
            "TotalTax": 0.0,
            "Total": money(credited),
            "CurrencyCode": invoice["CurrencyCode"],
            "CurrencyRate": invoice["CurrencyRate"],
            "RemainingCredit": 0.0,
            "FullyPaidOnDate": ms_date(day),
            "Allocations": [allocation],
            "Payments": [],
            "HasAttachments": False,
            "HasErrors": False,
            "SentToContact": False,
            "UpdatedDateUTC": _stamp(day + timedelta(days=1), self.rng, self.today),
        }
        invoice["CreditNotes"] = [
            {
                "CreditNoteID": note_id,
                "ID": note_id,
                "AppliedAmount": money(credited),
                "Total": money(credited),
                "Date": ms_date(day),
                "DateString": iso_date(day),
            }
        ]
        return note

    def build(self) -> OrgData:
        spec, tenant_id, today = self.spec, self.tenant_id, self.today
        stamp = ms_date(datetime.combine(date(2024, 1, 15), time(9)))
        contacts = self.contacts()
        active = [c for c in contacts if c["ContactStatus"] == "ACTIVE"]
        customers = [c for c in active if c["_role"] in ("customer", "both")]
        suppliers = [c for c in active if c["_role"] in ("supplier", "both")]
        invoices = self.invoices(customers, suppliers)
        quotes = self.quotes(customers)
        _number(invoices, quotes)
        # a stream of their own: credit notes leave every earlier document as it was
        self.rng = random.Random(f"{self.seed}:{spec.name}:credit-notes")
        credit_notes = self.credit_notes(invoices, customers, suppliers)
        sold_to = {
            d["Contact"]["ContactID"] for d in invoices + quotes if d.get("Type") != "ACCPAY"
        }
        bought_from = {d["Contact"]["ContactID"] for d in invoices if d["Type"] == "ACCPAY"}
        for contact in contacts:
            del contact["_role"]
            contact["IsCustomer"] = contact["ContactID"] in sold_to
            contact["IsSupplier"] = contact["ContactID"] in bought_from
        currencies = [spec.base_currency, *sorted(spec.foreign)]
        return OrgData(
            tenant_id=tenant_id,
            name=spec.name,
            organisation=organisation_json(spec, tenant_id, today),
            documents={
                "contact": contacts,
                "invoice": invoices,
                "quote": quotes,
                "creditnote": credit_notes,
                "account": _accounts(spec, tenant_id, stamp),
                "taxrate": _tax_rates(spec, stamp),
                "item": _items(spec, tenant_id, stamp),
                "currency": [
                    {"Code": code, "Description": data.CURRENCY_NAMES[code]} for code in currencies
                ],
            },
        )


_PINNED = [
    (sales, status, timing)
    for sales in (True, False)
    for status, timing in (
        ("AUTHORISED", "overdue"),
        ("AUTHORISED", "future"),
        ("AUTHORISED", "overdue"),
        ("AUTHORISED", None),
        ("PAID", None),
        ("DRAFT", None),
        ("SUBMITTED", None),
        ("VOIDED", None),
        ("DELETED", None),
    )
]
_CREDIT_PINNED = ["AUTHORISED", "AUTHORISED", "VOIDED", "PAID", "AUTHORISED", "DRAFT"]
_QUOTE_PINNED = ["SENT", "SENT", "DRAFT", "ACCEPTED", "DECLINED", "INVOICED"]
_FREE_TEXT = {
    True: ["Consulting services", "Website design", "Monthly retainer", "Onsite visit", "Audit"],
    False: ["Office supplies", "Courier", "Electricity", "Internet", "Stationery", "Fuel"],
}


def _weighted(rng: random.Random, table: list[tuple[str, int]]) -> str:
    return rng.choices([name for name, _ in table], [weight for _, weight in table])[0]


def _supplier_reference(rng: random.Random) -> str:
    return (
        ""
        if rng.random() < 0.15
        else f"{rng.choice(['SUP', 'INV', 'BILL'])}-{rng.randint(1000, 99999)}"
    )


def _from_ms(text: str) -> date:
    return read_date(text)


def _number(invoices: list[dict], quotes: list[dict]) -> None:
    """INV-0001… and QU-0001… in date order, like an organisation that has been trading."""
    sales = sorted((i for i in invoices if i["Type"] == "ACCREC"), key=lambda i: i["DateString"])
    for position, invoice in enumerate(sales, start=1):
        invoice["InvoiceNumber"] = f"INV-{position:04d}"
    for position, quote in enumerate(sorted(quotes, key=lambda q: q["DateString"]), start=1):
        quote["QuoteNumber"] = f"QU-{position:04d}"


def _number_credit_notes(notes: list[dict]) -> None:
    """CN-0001… for sales credit notes in date order (purchase ones carry the supplier's)."""
    sales = sorted((n for n in notes if n["Type"] == "ACCRECCREDIT"), key=lambda n: n["DateString"])
    for position, note in enumerate(sales, start=1):
        note["CreditNoteNumber"] = f"CN-{position:04d}"


def large(seed: int, today: date, scale: float = 1.0) -> OrgData:
    """The large organisation (not cached: it is big, and seeded once on demand); `scale` makes
    a smaller one the same way (tests)."""
    spec = data.LARGE
    counts = {
        name: max(1, round(getattr(spec, name) * scale))
        for name in ("contacts", "invoices", "quotes", "credit_notes")
    }
    return _OrgBuilder(replace(spec, **counts), seed, today).build()


@cache
def generate(seed: int, today: date) -> tuple[OrgData, ...]:
    """All demo organisations (cached: building them is pure, installing them is not)."""
    return tuple(_OrgBuilder(spec, seed, today).build() for spec in data.ORGS)
