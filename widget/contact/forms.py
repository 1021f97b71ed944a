"""The Add contact form: prefilled from the CRM record, checked before Xero sees it, and Xero's
own refusals (a duplicate name) put next to the field they are about."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from widget.xero import ContactDraft, XeroValidationError

MAX_NAME = 255
MAX_PERSON_NAME = 255
MAX_EMAIL = 255
_EMAIL = re.compile(r"^[^@\s\"]+@[^@\s\"]+\.[^@\s\"]+$")
_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
#: Xero's field names (XeroValidationError.field_errors) -> ours
XERO_FIELDS = {
    "Name": "name",
    "FirstName": "first_name",
    "LastName": "last_name",
    "EmailAddress": "email",
}


def _new_key() -> str:
    return secrets.token_urlsafe(24)


@dataclass
class ContactForm:
    name: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    idempotency_key: str = field(default_factory=lambda: _new_key())
    errors: dict[str, list[str]] = field(default_factory=dict)
    general_errors: list[str] = field(default_factory=list)
    #: (contact id, name) of the Xero contact that already has the name, offered to link instead
    existing: tuple[str, str] | None = None

    @classmethod
    def from_record(cls, record: dict) -> ContactForm:
        """Prefilled from the CRM: a person's name split into first and last."""
        name = " ".join(str(record.get("name") or "").split())
        first, _, last = name.partition(" ")
        return cls(name=name, first_name=first, last_name=last, email=record.get("email") or "")

    @classmethod
    def from_post(cls, data) -> ContactForm:
        form = cls(
            name=" ".join(str(data.get("name", "")).split()),
            first_name=str(data.get("first_name", "")).strip(),
            last_name=str(data.get("last_name", "")).strip(),
            email=str(data.get("email", "")).strip(),
        )
        key = str(data.get("idempotency_key", ""))
        if _KEY.match(key):
            form.idempotency_key = key  # the same form sent twice creates one contact
        return form

    def validate(self) -> bool:
        self.errors = {}
        if not self.name:
            self._error("name", "Enter the contact's name.")
        elif len(self.name) > MAX_NAME:
            self._error("name", f"Use at most {MAX_NAME} characters.")
        for attribute in ("first_name", "last_name"):
            if len(getattr(self, attribute)) > MAX_PERSON_NAME:
                self._error(attribute, f"Use at most {MAX_PERSON_NAME} characters.")
        if self.email and (len(self.email) > MAX_EMAIL or not _EMAIL.match(self.email)):
            self._error("email", "Enter an email address like name@example.com.")
        return not self.errors

    def draft(self) -> ContactDraft:
        return ContactDraft(
            name=self.name,
            first_name=self.first_name or None,
            last_name=self.last_name or None,
            email_address=self.email or None,
        )

    def refused(self, error: XeroValidationError) -> None:
        """Put Xero's messages next to our fields (a duplicate name goes on the name).

        Nothing was created, and Xero keeps the key with its refusal: the corrected form needs
        a new key (resending the old one with other values would be refused as a key reuse).
        """
        self.idempotency_key = _new_key()
        for xero_field, messages in error.field_errors.items():
            ours = XERO_FIELDS.get(xero_field)
            for message in messages:
                if ours:
                    self._error(ours, message)
                else:
                    self.general_errors.append(message)
        self.general_errors.extend(error.general_errors)

    def _error(self, attribute: str, message: str) -> None:
        self.errors.setdefault(attribute, []).append(message)
