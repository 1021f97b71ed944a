"""The Contact of a new invoice, bill or quote: by ContactID, or by Name (creating it if new,
as Xero does)."""

import json

from sqlalchemy import select

from widget.sandbox.documents import load
from widget.sandbox.models import Document


def resolve_contact(session, tenant_id: str, given, errors: list[str]) -> tuple[dict | None, bool]:
    """(the contact's JSON, whether it is new and must be created); errors appended."""
    if not isinstance(given, dict) or not (given.get("ContactID") or given.get("Name")):
        errors.append("A Contact must be specified for this type of transaction")
        return None, False
    if given.get("ContactID"):
        contact = load(session, tenant_id, "contact", str(given["ContactID"]).lower())
        if contact is None:
            errors.append(f"The contact with ContactID '{given['ContactID']}' could not be found.")
            return None, False
        if contact.get("ContactStatus") == "ARCHIVED":
            errors.append(f"The contact '{contact['Name']}' is archived and cannot be used.")
        return contact, False
    name = str(given["Name"]).strip()
    body = session.scalar(
        select(Document.body).where(
            Document.tenant_id == tenant_id,
            Document.kind == "contact",
            Document.name_lc == name.lower(),
            Document.status == "ACTIVE",
        )
    )
    if body:
        return json.loads(body), False
    return {"Name": name, **{k: v for k, v in given.items() if k != "ContactID"}}, True


def contact_ref(contact: dict) -> dict:
    return {"ContactID": contact["ContactID"], "Name": contact["Name"]}
