"""The CRM contacts associated with a company or deal (from the launch token), with their links.

The launch token lists them; their links live in the contact panel's table (record type
"contact"). One query reads every link, so a company of 200 people costs one round trip.
Only people the token names can be linked from a company or deal panel: an id sent back by the
browser is checked against this list, never trusted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from widget.contact.models import ContactLink
from widget.suggest import CrmContact

CONTACT = "contact"


@dataclass(frozen=True)
class Person:
    crm_id: str
    name: str
    email: str
    primary: bool = False
    xero_contact_id: str | None = None
    xero_contact_name: str | None = None

    @property
    def slot(self) -> str:
        """An element-id-safe stand-in for the CRM id (which may hold any character)."""
        return hashlib.sha256(self.crm_id.encode()).hexdigest()[:12]

    @property
    def linked(self) -> bool:
        return self.xero_contact_id is not None

    def crm_contact(self, company: str | None) -> CrmContact:
        """The person as the contact panel's suggestions see them (with the company's name)."""
        return CrmContact(name=self.name or None, email=self.email or None, company=company)


def people_of(record: dict) -> list[Person]:
    """The record's contacts, each once, the deal's primary contact first."""
    primary = str(record.get("primary_contact_id") or "")
    people: dict[str, Person] = {}
    for item in record.get("contacts") or []:
        crm_id = str(item.get("id") or "")
        if crm_id and crm_id not in people:
            name, email = item.get("name") or "", item.get("email") or ""
            people[crm_id] = Person(crm_id, name, email, primary=crm_id == primary)
    return sorted(people.values(), key=lambda p: not p.primary)


def with_links(session: Session, workspace_id: str, tenant_id: str, people: list[Person]):
    """The same people, each with the Xero contact they are linked to under this organisation."""
    if not people or not tenant_id:
        return people
    rows = session.execute(
        select(
            ContactLink.crm_contact_id,
            ContactLink.xero_contact_id,
            ContactLink.xero_contact_name,
        ).where(
            ContactLink.workspace_id == workspace_id,
            ContactLink.tenant_id == tenant_id,
            ContactLink.record_type == CONTACT,
            ContactLink.crm_contact_id.in_([p.crm_id for p in people]),
        )
    ).all()
    found = {crm_id: (xero_id, name) for crm_id, xero_id, name in rows}
    return [
        Person(p.crm_id, p.name, p.email, p.primary, *found[p.crm_id]) if p.crm_id in found else p
        for p in people
    ]
