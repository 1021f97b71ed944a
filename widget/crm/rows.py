"""Checking CRM contacts and users one record at a time, whatever way they arrived (API item,
CSV row, pasted line): a record is either clean (a frozen row) or refused with a message per field.

Text must be printable (no NUL or other control characters, no lone surrogates: PostgreSQL and
UTF-8 refuse them, and they would 500 later), within the column's length, trimmed.
"""

import re
import unicodedata
from dataclasses import dataclass

MAX_ID = 200
MAX_TEXT = 255
MAX_EMAIL = 320
ACCESS_CHOICES = ("none", "view", "edit")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
CONTACT_FIELDS = ("id", "name", "first_name", "last_name", "email", "company")
USER_FIELDS = ("id", "name", "email", "access")


@dataclass(frozen=True)
class ContactRow:
    id: str
    name: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    company: str = ""


@dataclass(frozen=True)
class UserRow:
    id: str
    name: str
    email: str = ""
    #: None keeps the current grant (and "none" for someone new)
    access: str | None = None


@dataclass(frozen=True)
class RowError:
    """Why one record was refused: `where` is its index (API) or line number (CSV/paste)."""

    where: int
    id: str
    field: str
    message: str

    def as_json(self) -> dict:
        return {"index": self.where, "id": self.id, "field": self.field, "message": self.message}


class Refused(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _text(raw: dict, field: str, limit: int, *, required: bool = False) -> str:
    value = raw.get(field)
    if value is None:
        value = ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Refused(field, f"{field} must be text")
    value = str(value).strip()
    if required and not value:
        raise Refused(field, f"{field} is required")
    if len(value) > limit:
        raise Refused(field, f"{field} is longer than {limit} characters")
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in value):
        raise Refused(field, f"{field} contains control characters or invalid Unicode")
    return value


def _email(raw: dict) -> str:
    value = _text(raw, "email", MAX_EMAIL)
    if value and not EMAIL.match(value):
        raise Refused("email", f"email {value!r} is not an email address")
    return value


def contact_row(raw: dict) -> ContactRow:
    """A clean contact, or Refused. The name may be left out when first/last names say it."""
    if not isinstance(raw, dict):
        raise Refused("", "each contact must be an object")
    first, last = _text(raw, "first_name", MAX_TEXT), _text(raw, "last_name", MAX_TEXT)
    name = _text(raw, "name", MAX_TEXT) or f"{first} {last}".strip()
    if not name:
        raise Refused("name", "name (or first_name/last_name) is required")
    return ContactRow(
        id=_text(raw, "id", MAX_ID, required=True),
        name=name,
        first_name=first,
        last_name=last,
        email=_email(raw),
        company=_text(raw, "company", MAX_TEXT),
    )


def user_row(raw: dict) -> UserRow:
    """A clean user, or Refused. The name defaults to the id (as a launch does)."""
    if not isinstance(raw, dict):
        raise Refused("", "each user must be an object")
    user_id = _text(raw, "id", MAX_ID, required=True)
    access = raw.get("access")
    if access in (None, ""):
        access = None
    elif access not in ACCESS_CHOICES:
        raise Refused("access", f"access must be one of {', '.join(ACCESS_CHOICES)}")
    return UserRow(
        id=user_id,
        name=_text(raw, "name", 200) or user_id,
        email=_email(raw),
        access=access,
    )


def check_all(items: list, parse, first_where: int = 0) -> tuple[list, list[RowError]]:
    """Every item parsed; refused ones (and repeated ids) become RowErrors."""
    rows, errors, seen = [], [], {}
    for offset, raw in enumerate(items):
        where = first_where + offset
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        shown_id = str(raw_id)[:MAX_ID] if isinstance(raw_id, str | int) else ""
        try:
            row = parse(raw)
        except Refused as refused:
            errors.append(RowError(where, shown_id, refused.field, refused.message))
            continue
        if row.id in seen:
            message = f"id {row.id!r} appears twice (first at {seen[row.id]})"
            errors.append(RowError(where, row.id, "id", message))
            continue
        seen[row.id] = where
        rows.append(row)
    return rows, errors
