"""What the demo CRM knows: its users (one admin, a few members) and its people, companies and
deals, shaped as the launch token's `user` and `record` claims expect them.

The records come from the sandbox's demo CRM data (widget/sandbox/crm_demo.py), which mirrors the
sandbox's Xero contacts so suggestions have something to find.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CrmUser:
    id: str
    name: str
    email: str
    admin: bool = False

    def claim(self) -> dict:
        return {"id": self.id, "name": self.name, "email": self.email, "admin": self.admin}


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    email: str
    company_id: str | None = None
    #: the company name on the person's own CRM record, if any
    company: str = ""

    def contact_claim(self) -> dict:
        return {"id": self.id, "name": self.name, "email": self.email}


@dataclass(frozen=True)
class Company:
    id: str
    name: str
    person_ids: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Deal:
    id: str
    name: str
    company_id: str | None
    primary_person_id: str | None
    person_ids: tuple[str, ...] = field(default_factory=tuple)


USERS = (
    CrmUser("crm-admin", "Alex Admin", "alex.admin@demo-crm.example", admin=True),
    CrmUser("crm-sam", "Sam Seller", "sam.seller@demo-crm.example"),
    CrmUser("crm-mia", "Mia Member", "mia.member@demo-crm.example"),
    CrmUser("crm-noah", "Noah Newcomer", "noah.newcomer@demo-crm.example"),
)


def find_user(user_id: str | None) -> CrmUser | None:
    if not user_id:
        return USERS[0]
    return next((user for user in USERS if user.id == user_id), None)
