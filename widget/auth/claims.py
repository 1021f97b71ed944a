"""The `user` and `record` claims of a launch token, checked field by field.

A signed token is trusted to say who and what, but not to be well-formed: a CRM integration bug
should get a clear refusal, not a 500 later in a panel. Only known fields are kept, with lengths
capped to what the tables hold. Text must be storable text: no NUL (PostgreSQL's text cannot hold
it) and no lone surrogate (which is not UTF-8 at all, so no database can store it).
"""

import re
from dataclasses import dataclass, field, fields

RECORD_TYPES = ("contact", "company", "deal", "none")
MAX_CONTACTS = 500
_LOCALE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8}){0,3}$")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str, what: str) -> str:
    """`text` unchanged, or ValueError when a database could not store it."""
    if _UNSTORABLE.search(text):
        raise ValueError(f"{what} must be text without NUL characters or lone surrogates")
    return text


@dataclass(frozen=True)
class LaunchUser:
    id: str
    name: str = ""
    email: str = ""
    admin: bool = False
    locale: str | None = None


@dataclass(frozen=True)
class RecordContact:
    id: str
    name: str = ""
    email: str = ""


@dataclass(frozen=True)
class LaunchRecord:
    type: str
    id: str = ""
    name: str = ""
    email: str = ""
    company: str = ""
    contacts: tuple[RecordContact, ...] = field(default_factory=tuple)
    primary_contact_id: str = ""

    def to_dict(self) -> dict:
        """The record as stored with its session (built field by field: `asdict` deep-copies
        every value, on every launch)."""
        data = {name: getattr(self, name) for name in _RECORD_FIELDS}
        data["contacts"] = [
            {"id": contact.id, "name": contact.name, "email": contact.email}
            for contact in self.contacts
        ]
        return data


_RECORD_FIELDS = tuple(f.name for f in fields(LaunchRecord) if f.name != "contacts")


def _identifier(value: object, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value) == "":
        raise ValueError(f"{what} must be a non-empty string")
    text = str(value)
    if len(text) > 200:
        raise ValueError(f"{what} is longer than 200 characters")
    return storable(text, what)


def _text(data: dict, key: str, what: str, limit: int) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{what}.{key} must be a string")
    return storable(value, f"{what}.{key}").strip()[:limit]


def parse_user(data: object) -> LaunchUser:
    if not isinstance(data, dict):
        raise ValueError("the user claim must be an object")
    admin = data.get("admin", False)
    if not isinstance(admin, bool):
        raise ValueError("user.admin must be true or false")
    locale = data.get("locale")
    if locale is not None and (not isinstance(locale, str) or not _LOCALE.match(locale)):
        raise ValueError("user.locale must be a locale such as en-GB")
    return LaunchUser(
        id=_identifier(data.get("id"), "user.id"),
        name=_text(data, "name", "user", 200),
        email=_text(data, "email", "user", 320),
        admin=admin,
        locale=locale,
    )


def _contacts(value: object) -> tuple[RecordContact, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_CONTACTS:
        raise ValueError(f"record.contacts must be a list of at most {MAX_CONTACTS} objects")
    contacts = []
    for item in value:
        if not isinstance(item, dict):
            raise ValueError("record.contacts must be a list of objects")
        contacts.append(
            RecordContact(
                id=_identifier(item.get("id"), "record.contacts[].id"),
                name=_text(item, "name", "record.contacts[]", 200),
                email=_text(item, "email", "record.contacts[]", 320),
            )
        )
    return tuple(contacts)


def parse_record(data: object) -> LaunchRecord:
    if not isinstance(data, dict):
        raise ValueError("the record claim must be an object")
    kind = data.get("type")
    if kind not in RECORD_TYPES:
        raise ValueError(f"record.type must be one of {', '.join(RECORD_TYPES)}")
    if kind == "none":
        return LaunchRecord(type="none")
    primary = data.get("primary_contact_id")
    return LaunchRecord(
        type=kind,
        id=_identifier(data.get("id"), "record.id"),
        name=_text(data, "name", "record", 200),
        email=_text(data, "email", "record", 320),
        company=_text(data, "company", "record", 200),
        contacts=_contacts(data.get("contacts")),
        primary_contact_id=_identifier(primary, "record.primary_contact_id") if primary else "",
    )
