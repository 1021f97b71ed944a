"""The demo CRM's records and the `record` claim each one launches its panel with."""

from dataclasses import dataclass
from functools import cache

from widget.demo.crm import Company, Deal, Person
from widget.sandbox.crm_demo import demo_crm


@dataclass(frozen=True)
class Directory:
    people: tuple[Person, ...]
    companies: tuple[Company, ...]
    deals: tuple[Deal, ...]

    def person(self, person_id: str) -> Person | None:
        return next((p for p in self.people if p.id == person_id), None)

    def company(self, company_id: str | None) -> Company | None:
        return next((c for c in self.companies if c.id == company_id), None)

    def deal(self, deal_id: str) -> Deal | None:
        return next((d for d in self.deals if d.id == deal_id), None)

    def people_of(self, ids: tuple[str, ...]) -> list[Person]:
        return [person for person in map(self.person, ids) if person is not None]

    def contact_record(self, person: Person) -> dict:
        company = self.company(person.company_id)
        return {
            "type": "contact",
            "id": person.id,
            "name": person.name,
            "email": person.email,
            "company": person.company or (company.name if company else ""),
        }

    def company_record(self, company: Company) -> dict:
        return {
            "type": "company",
            "id": company.id,
            "name": company.name,
            "contacts": [p.contact_claim() for p in self.people_of(company.person_ids)],
        }

    def deal_record(self, deal: Deal) -> dict:
        record = {
            "type": "deal",
            "id": deal.id,
            "name": deal.name,
            "contacts": [p.contact_claim() for p in self.people_of(deal.person_ids)],
        }
        company = self.company(deal.company_id)
        if company:
            record["company"] = company.name
        if deal.primary_person_id:
            record["primary_contact_id"] = deal.primary_person_id
        return record


ADMIN_RECORD = {"type": "none"}


@cache
def directory() -> Directory:
    """The sandbox's demo CRM records (built to meet every suggestion case against the default
    organisation), with each person filed under the first company that lists them."""
    crm = demo_crm()
    company_of = {}
    for company in crm.companies:
        for person_id in company.person_ids:
            company_of.setdefault(person_id, company.id)
    people = tuple(
        Person(p.id, p.name, p.email, company_of.get(p.id), p.company or "") for p in crm.people
    )
    companies = tuple(Company(c.id, c.name, c.person_ids) for c in crm.companies)
    deals = tuple(
        Deal(d.id, d.name, d.company_id, d.primary_person_id, d.participant_ids) for d in crm.deals
    )
    return Directory(people, companies, deals)
