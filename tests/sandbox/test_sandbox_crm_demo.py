"""The demo CRM records really meet every suggestion case against the seeded organisation."""

import difflib

from widget.sandbox import seed
from widget.sandbox.crm_demo import demo_crm

KINDS = {"email", "contact_person", "domain", "company_name", "similar_name", "none"}


def _contacts():
    org = next(
        o
        for o in seed.generate(seed.DEFAULT_SEED, seed.date.today())
        if o.name == "Demo Company (NZ)"
    )
    return [c for c in org.documents["contact"] if c["ContactStatus"] == "ACTIVE"]


def classify(person, company_name, contacts) -> str:
    """The first rule of the panel's suggestion order that finds a Xero contact."""
    email = person.email.lower()
    domain = email.split("@")[1]
    if any(c["EmailAddress"].lower() == email for c in contacts):
        return "email"
    if any(cp["EmailAddress"].lower() == email for c in contacts for cp in c["ContactPersons"]):
        return "contact_person"
    if any(c["EmailAddress"].lower().endswith("@" + domain) for c in contacts):
        return "domain"
    if company_name and any(c["Name"].lower() == company_name.lower() for c in contacts):
        return "company_name"
    name = person.name.lower()
    if any(difflib.SequenceMatcher(None, name, c["Name"].lower()).ratio() > 0.85 for c in contacts):
        return "similar_name"
    return "none"


def test_every_person_meets_the_case_it_was_built_for():
    demo, contacts = demo_crm(), _contacts()
    assert 18 <= len(demo.people) <= 24 and len(demo.companies) == 6 and len(demo.deals) == 6
    assert {p.expected_match for p in demo.people} == KINDS
    for person in demo.people:
        assert classify(person, person.company, contacts) == person.expected_match, person
        if person.xero_contact_id:
            assert any(c["ContactID"] == person.xero_contact_id for c in contacts)


def test_records_hang_together_and_repeat():
    demo = demo_crm()
    ids = {p.id for p in demo.people}
    assert len(ids) == len(demo.people)
    for company in demo.companies:
        assert set(company.person_ids) <= ids
    for deal in demo.deals:
        assert deal.primary_person_id in deal.participant_ids and set(deal.participant_ids) <= ids
        demo.company(deal.company_id)
    demo_crm.cache_clear()
    assert demo_crm() == demo
    assert demo_crm("Demo Company (UK)") != demo
