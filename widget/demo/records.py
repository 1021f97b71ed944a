"""The demo CRM's records and the `record` claim each one launches its panel with."""

from dataclasses import dataclass

from widget.demo.crm import Company, Deal, Person


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
            "company": company.name if company else "",
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


def directory() -> Directory:
    """The sandbox's demo CRM data (placeholder records until widget/sandbox/crm_demo.py lands)."""
    people = (
        Person("person-1", "Ridgeway University Accounts", "accounts@ridgeway.example", "co-1"),
        Person("person-2", "Marta Jensen", "marta@ridgeway.example", "co-1"),
        Person("person-3", "Tom Baker", "tom@baker-sons.example", "co-2"),
    )
    companies = (
        Company("co-1", "Ridgeway University", ("person-1", "person-2")),
        Company("co-2", "Baker & Sons", ("person-3",)),
    )
    deals = (
        Deal("deal-1", "Campus fit-out", "co-1", "person-2", ("person-2", "person-1"), "12,000"),
    )
    return Directory(people, companies, deals)
