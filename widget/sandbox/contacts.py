"""GET/PUT /Contacts and GET /Contacts/{ContactID}."""

import re
import uuid
from decimal import Decimal

from flask import request
from sqlalchemy import func, or_, select

from widget.sandbox.blueprint import ACCOUNTING, bp, sandbox
from widget.sandbox.context import org_today
from widget.sandbox.documents import load, save
from widget.sandbox.gate import accounting
from widget.sandbox.listing import Listing
from widget.sandbox.models import Document
from widget.sandbox.problems import not_found
from widget.sandbox.query import apply_where, bodies, fetch, fields, id_list
from widget.sandbox.serialise import envelope, json_response, ms_date
from widget.sandbox.writes import create_all

CONTACT_FIELDS = fields(
    "ContactID ContactNumber AccountNumber ContactStatus Name FirstName LastName CompanyNumber "
    "EmailAddress IsSupplier IsCustomer DefaultCurrency UpdatedDateUTC TaxNumber "
    "MergedToContactID Addresses Phones ContactGroups Website",
    Name=lambda row: row.name_lc,
    EmailAddress=lambda row: row.email_lc or "",
    ContactStatus=lambda row: row.status,
    ContactID=lambda row: row.doc_id,
)
#: What `summaryOnly=true` keeps: Xero drops addresses, phones, balances, persons and more,
#: IsCustomer/IsSupplier included (XERO.md). *Guess*: MergedToContactID stays (a sync needs it).
SUMMARY_FIELDS = [
    "ContactID",
    "ContactNumber",
    "AccountNumber",
    "ContactStatus",
    "Name",
    "FirstName",
    "LastName",
    "CompanyNumber",
    "EmailAddress",
    "DefaultCurrency",
    "UpdatedDateUTC",
    "MergedToContactID",
    "HasValidationErrors",
]
_SIMPLE_WHERE = re.compile(r'^\s*(Name|EmailAddress)\s*==?\s*"([^"]*)"\s*$', re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_PERSONS = 5


def _like(term: str) -> str:
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(args) -> list:
    conditions = []
    if args.get("includeArchived", "").lower() != "true":
        conditions.append(Document.status != "ARCHIVED")
    ids = [i.lower() for i in id_list(args.get("IDs"))]
    if ids:
        conditions.append(Document.doc_id.in_(ids))
    if args.get("searchTerm"):
        conditions.append(Document.search_text.like(_like(args["searchTerm"]), escape="\\"))
    simple = _SIMPLE_WHERE.match(args.get("where") or "")
    if simple:  # the optimised filters Xero recommends: straight to the index
        column = Document.name_lc if simple.group(1).lower() == "name" else Document.email_lc
        conditions.append(column == simple.group(2).lower())
    return conditions


def _balances(session, tenant_id: str, contact_ids: list[str]) -> dict[str, dict]:
    organisation = sandbox().organisation(tenant_id)
    today = org_today(organisation, sandbox().clock.now())
    rows = session.execute(
        select(Document.contact_id, Document.type, Document.due_date, Document.amount_due_base)
        .where(Document.tenant_id == tenant_id, Document.kind == "invoice")
        .where(Document.status == "AUTHORISED", Document.contact_id.in_(contact_ids))
    )
    sums: dict[str, dict] = {}
    for contact_id, kind, due, amount in rows:
        side = "AccountsReceivable" if kind == "ACCREC" else "AccountsPayable"
        entry = sums.setdefault(contact_id, _zero_balances())[side]
        value = Decimal(str(amount or 0))
        entry["Outstanding"] += value
        if due and due < today:
            entry["Overdue"] += value
    return {
        cid: {
            side: {k: float(v.quantize(Decimal("0.01"))) for k, v in b.items()}
            for side, b in s.items()
        }
        for cid, s in sums.items()
    }


def _zero_balances() -> dict:
    zero = Decimal(0)
    return {
        "AccountsReceivable": {"Outstanding": zero, "Overdue": zero},
        "AccountsPayable": {"Outstanding": zero, "Overdue": zero},
    }


def _shape(contacts: list[dict], session, tenant_id: str, full: bool, persons: bool) -> list:
    if not full:
        return [{k: c[k] for k in SUMMARY_FIELDS if k in c} for c in contacts]
    balances = _balances(session, tenant_id, [c["ContactID"] for c in contacts])
    empty = {side: {"Outstanding": 0.0, "Overdue": 0.0} for side in _zero_balances()}
    shaped = []
    for contact in contacts:
        contact = contact | {"Balances": balances.get(contact["ContactID"], empty)}
        if not persons:
            contact.pop("ContactPersons", None)
        shaped.append(contact)
    return shaped


ORDER_COLUMNS = {
    "name": Document.name_lc,
    "emailaddress": Document.email_lc,
    "contactid": Document.doc_id,
    "contactstatus": Document.status,
    "contactnumber": Document.number,
}


def _where_filter(text: str | None):
    if not text or _SIMPLE_WHERE.match(text):
        return None
    return lambda records: apply_where(records, text, CONTACT_FIELDS)


@bp.get(f"{ACCOUNTING}/Contacts")
@accounting("contacts")
def list_contacts(tenant_id: str):
    args = request.args
    box = sandbox()
    summary = args.get("summaryOnly", "").lower() == "true"
    listing = Listing(
        "contact",
        CONTACT_FIELDS,
        ORDER_COLUMNS,
        _conditions(args),
        _where_filter(args.get("where")),
    )
    with box.sessions() as session:
        # summaryOnly forces paging: without `page`, page 1 only
        page = listing.run(session, tenant_id, args, request.headers, paged=summary)
        contacts = _shape(
            bodies(page.records), session, tenant_id, not summary, page.pagination is not None
        )
    return json_response(envelope("Contacts", contacts, box.clock.now(), page.pagination))


@bp.get(f"{ACCOUNTING}/Contacts/<contact_key>")
@accounting("contacts")
def get_contact(tenant_id: str, contact_key: str):
    box = sandbox()
    with box.sessions() as session:
        contact = load(session, tenant_id, "contact", contact_key.lower())
        if contact is None:  # Xero also answers /Contacts/{ContactNumber}
            found = fetch(session, tenant_id, "contact", Document.number == contact_key)
            contact = found[0].body() if found else None
        if contact is None:
            raise not_found()
        shaped = _shape([contact], session, tenant_id, True, True)
    return json_response(envelope("Contacts", shaped, box.clock.now()))


def _contact_errors(item: dict, taken: set[str]) -> list[str]:
    errors = []
    name = (item.get("Name") or "").strip()
    if not name:
        errors.append("The contact name must be specified.")
    elif len(name) > 255:
        errors.append("The contact name must be 255 characters or fewer.")
    elif name.lower() in taken:
        errors.append(
            f"The contact name {name} is already assigned to another contact. "
            "The contact name must be unique across all active contacts."
        )
    email = item.get("EmailAddress")
    if email and not _EMAIL.match(email):
        errors.append("Email address must be valid.")
    persons = item.get("ContactPersons") or []
    if not isinstance(persons, list) or len(persons) > MAX_PERSONS:
        errors.append(f"A contact can have at most {MAX_PERSONS} contact persons.")
    else:
        for person in persons:
            person_email = isinstance(person, dict) and person.get("EmailAddress")
            if person_email and not _EMAIL.match(person_email):
                errors.append("Email address must be valid.")
    return errors


def new_contact(item: dict, now) -> dict:
    """A contact as Xero stores it, from what a client sent (also used by invoices by Name)."""
    persons = [
        {
            "FirstName": p.get("FirstName", ""),
            "LastName": p.get("LastName", ""),
            "EmailAddress": p.get("EmailAddress", ""),
            "IncludeInEmails": bool(p.get("IncludeInEmails", False)),
        }
        for p in item.get("ContactPersons") or []
    ]
    contact = {
        "ContactID": str(uuid.uuid4()),
        "ContactStatus": "ACTIVE",
        "Name": item["Name"].strip(),
        "EmailAddress": item.get("EmailAddress") or "",
        "BankAccountDetails": "",
        "Addresses": item.get("Addresses")
        or [{"AddressType": kind} for kind in ("STREET", "POBOX")],
        "Phones": item.get("Phones")
        or [{"PhoneType": kind} for kind in ("DEFAULT", "DDI", "FAX", "MOBILE")],
        "UpdatedDateUTC": ms_date(now),
        "ContactGroups": [],
        "IsSupplier": False,
        "IsCustomer": False,
        "ContactPersons": persons,
        "HasAttachments": False,
        "HasValidationErrors": False,
    }
    for optional in [
        "FirstName",
        "LastName",
        "ContactNumber",
        "AccountNumber",
        "CompanyNumber",
        "TaxNumber",
        "DefaultCurrency",
    ]:
        if item.get(optional):
            contact[optional] = item[optional]
    return contact


def active_names(session, tenant_id: str) -> set[str]:
    return set(
        session.scalars(
            select(func.lower(Document.name_lc)).where(
                Document.tenant_id == tenant_id,
                Document.kind == "contact",
                or_(Document.status == "ACTIVE", Document.status.is_(None)),
            )
        )
    )


@bp.put(f"{ACCOUNTING}/Contacts")
@accounting("contacts", write=True)
def create_contacts(tenant_id: str):
    box = sandbox()
    now = box.clock.now()
    with box.sessions() as session, session.begin():
        taken = active_names(session, tenant_id)

        def build(item: dict):
            errors = _contact_errors(item, taken)
            if errors:
                return None, errors
            taken.add(item["Name"].strip().lower())
            return new_contact(item, now), []

        return create_all(
            "Contacts", build, lambda c: save(session, tenant_id, "contact", c, now), now
        )
