"""Demo CRM records (people, companies, deals) for the demo CRM page, built from the sandbox seed.

They are chosen so that the contact panel's suggestions meet every case against the seeded
organisation (Demo Company (NZ) by default):

- `email`: the person's email is a Xero contact's EmailAddress (one in other letter case);
- `contact_person`: the email is one of a Xero contact's ContactPersons' emails only;
- `domain`: only the email's domain is shared with a Xero company contact;
- `company_name`: only the person's company has the name of a Xero contact (other domain);
- `similar_name`: a Xero contact has the same or a near name, with another email;
- `none`: nothing in Xero resembles them.

`expected_match` on each person records which case it was built for (for tests and demos).
Everything is pure and deterministic: same seed, same records.
"""

from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache

from widget.sandbox import seed, seed_data


@dataclass(frozen=True)
class Person:
    id: str
    first_name: str
    last_name: str
    email: str
    company: str | None
    expected_match: str
    #: the Xero ContactID the person should be suggested first (None for `none`)
    xero_contact_id: str | None = None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class Company:
    id: str
    name: str
    domain: str
    person_ids: tuple[str, ...]


@dataclass(frozen=True)
class Deal:
    id: str
    name: str
    company_id: str
    primary_person_id: str
    participant_ids: tuple[str, ...]


@dataclass(frozen=True)
class CrmDemo:
    people: tuple[Person, ...]
    companies: tuple[Company, ...]
    deals: tuple[Deal, ...] = field(default=())

    def person(self, person_id: str) -> Person:
        return next(p for p in self.people if p.id == person_id)

    def company(self, company_id: str) -> Company:
        return next(c for c in self.companies if c.id == company_id)

    def as_dict(self) -> dict:
        return asdict(self)


def _xero_contacts(org_name: str, seed_value: int) -> list[dict]:
    spec = next(org for org in seed_data.ORGS if org.name == org_name)
    # names and emails do not depend on the day, only on the seed
    contacts = seed._OrgBuilder(spec, seed_value, date(2026, 1, 1)).contacts()
    return [c for c in contacts if c["ContactStatus"] == "ACTIVE"]


def _domain(email: str) -> str:
    return email.rsplit("@", 1)[1]


class _Builder:
    def __init__(self, contacts: list[dict]):
        self.contacts = contacts
        self.people: list[Person] = []
        self.used: set[str] = set()
        people = [c for c in contacts if c.get("FirstName") and c.get("EmailAddress")]
        companies = [c for c in contacts if not c.get("FirstName")]
        domains = {}
        for contact in contacts:
            domains.setdefault(_domain(contact["EmailAddress"]), []).append(contact)
        self.people_contacts = people
        self.with_persons = [c for c in companies if c["ContactPersons"]]
        # companies whose domain no other contact (or contact person) uses
        self.lone_companies = [
            c
            for c in companies
            if not c["ContactPersons"] and len(domains[_domain(c["EmailAddress"])]) == 1
        ]

    def take(self, pool: list[dict]) -> dict:
        contact = next(c for c in pool if c["ContactID"] not in self.used)
        self.used.add(contact["ContactID"])
        return contact

    def add(self, first, last, email, company, kind, contact=None) -> str:
        person_id = f"crm-person-{len(self.people) + 1:02d}"
        xero_id = contact["ContactID"] if contact else None
        self.people.append(Person(person_id, first, last, email, company, kind, xero_id))
        return person_id


_NEW_PEOPLE = [("Morgan", "Blake"), ("Riley", "Chen"), ("Casey", "Doyle"), ("Jordan", "Ellis")]
_NOBODY = [("Zed", "Nomatch"), ("Yara", "Quill"), ("Xeno", "Vantablack")]
_HARBOUR = [("Ari", "Moana"), ("Tess", "Okoro")]


def _build(contacts: list[dict]) -> CrmDemo:
    b = _Builder(contacts)
    companies: list[Company] = []

    # exact email matches (one written in capitals)
    email_people = []
    for index in range(4):
        contact = b.take(b.people_contacts)
        email = contact["EmailAddress"].upper() if index == 0 else contact["EmailAddress"]
        email_people.append(
            b.add(contact["FirstName"], contact["LastName"], email, None, "email", contact)
        )

    # a company whose people are Xero ContactPersons of a Xero company contact
    parent = b.take(b.with_persons)
    person_ids = tuple(
        b.add(
            cp["FirstName"],
            cp["LastName"],
            cp["EmailAddress"],
            parent["Name"],
            "contact_person",
            parent,
        )
        for cp in parent["ContactPersons"][:3]
    )
    companies.append(
        Company("crm-company-01", parent["Name"], _domain(parent["EmailAddress"]), person_ids)
    )

    # a company sharing only its email domain with a Xero company contact
    lone = b.take(b.lone_companies)
    domain = _domain(lone["EmailAddress"])
    person_ids = tuple(
        b.add(
            first, last, f"{first}.{last}@{domain}".lower(), lone["Name"] + " (CRM)", "domain", lone
        )
        for first, last in _NEW_PEOPLE[:3]
    )
    companies.append(Company("crm-company-02", lone["Name"] + " (CRM)", domain, person_ids))

    # companies known in Xero only by name
    for number in (3, 4):
        named = b.take(b.lone_companies)
        slug = "".join(ch for ch in named["Name"].lower() if ch.isalnum())
        domain = f"{slug}-crm.example"
        first, last = _NEW_PEOPLE[3] if number == 3 else ("Sam", "Okafor")
        person_ids = (
            b.add(first, last, f"{first}@{domain}".lower(), named["Name"], "company_name", named),
        )
        companies.append(Company(f"crm-company-0{number}", named["Name"], domain, person_ids))

    # similar names, other emails
    similar_ids = []
    for index in range(3):
        contact = b.take(b.people_contacts)
        first, last = contact["FirstName"], contact["LastName"]
        shown_last = last if index == 0 else f"{last}e" if index == 1 else last.upper()
        email = f"{first[0]}{last}.{index}@elsewhere.example".lower()
        similar_ids.append(b.add(first, shown_last, email, None, "similar_name", contact))

    # nobody Xero knows
    nobody_ids = tuple(
        b.add(first, last, f"{first}.{last}@nomatch.example".lower(), "Nomatch Widgets", "none")
        for first, last in _NOBODY
    )
    companies.append(Company("crm-company-05", "Nomatch Widgets", "nomatch.example", nobody_ids))
    harbour_ids = tuple(
        b.add(first, last, f"{first}@harbourpartners.example".lower(), "Harbour Partners", "none")
        for first, last in _HARBOUR
    )
    companies.append(
        Company(
            "crm-company-06",
            "Harbour Partners",
            "harbourpartners.example",
            (*harbour_ids, email_people[1], similar_ids[0]),
        )
    )
    deals = (
        Deal(
            "crm-deal-01",
            "Website rebuild",
            "crm-company-01",
            companies[0].person_ids[0],
            companies[0].person_ids,
        ),
        Deal(
            "crm-deal-02",
            "Annual support renewal",
            "crm-company-02",
            companies[1].person_ids[0],
            companies[1].person_ids[:2],
        ),
        Deal(
            "crm-deal-03",
            "Fleet expansion",
            "crm-company-03",
            companies[2].person_ids[0],
            companies[2].person_ids,
        ),
        Deal(
            "crm-deal-04",
            "Office fit-out",
            "crm-company-06",
            email_people[1],
            (email_people[1], similar_ids[0], email_people[2]),
        ),
        Deal("crm-deal-05", "Pilot project", "crm-company-05", nobody_ids[0], nobody_ids),
        Deal(
            "crm-deal-06",
            "Consulting retainer",
            "crm-company-04",
            companies[3].person_ids[0],
            (companies[3].person_ids[0], email_people[3]),
        ),
    )
    return CrmDemo(tuple(b.people), tuple(companies), deals)


@cache
def demo_crm(org_name: str = "Demo Company (NZ)", seed_value: int = seed.DEFAULT_SEED) -> CrmDemo:
    """The demo CRM's records for one seeded organisation (deterministic; cached)."""
    return _build(_xero_contacts(org_name, seed_value))
