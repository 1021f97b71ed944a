"""Search and suggestions over an organisation's contacts (widget.suggest): a table of typed terms
and CRM records against one address book, each with the contact that must come first and why."""

import pytest

from widget.suggest import (
    CrmContact,
    Reason,
    SearchMatch,
    email_key,
    name_key,
    name_similarity,
    rank_search,
    same_name,
    suggest,
)
from widget.xero.models import Contact, ContactPerson


def contact(contact_id, name, email=None, *, persons=(), status="ACTIVE", merged_to=None, **names):
    return Contact(
        contact_id=contact_id,
        name=name,
        first_name=names.get("first"),
        last_name=names.get("last"),
        email_address=email,
        contact_status=status,
        is_customer=True,
        is_supplier=False,
        contact_persons=tuple(ContactPerson(None, None, e) for e in persons),
        merged_to_contact_id=merged_to,
        updated_at=None,
    )


BOOK = [
    contact("uma", "Uma Patel", "uma@patel-design.co.nz", first="Uma", last="Patel"),
    contact("umar", "Umar Patelson", "umar@example.org"),
    contact("zoe", "Café Zoë Limited", "hello@cafezoe.nz"),
    contact("acme", "Acme Widgets Ltd", "accounts@acme.co.nz", persons=["jo.bloggs@acme.co.nz"]),
    contact("acme-log", "Acme Logistics", "ops@acme-logistics.com"),
    contact("jo", "Joanne Bloggs", "jo@gmail.com", first="Joanne", last="Bloggs"),
    contact("old", "Ben Old", "ben@oldco.test", status="ARCHIVED"),
    contact("merged", "Bea Merged", "bea@merge.test", status="ARCHIVED", merged_to="survivor"),
    contact("survivor", "Beatrice Survivor", "billing@merge.test"),
    contact("smith", "O'Brien & Smith", "info@obs.ie"),
]


def first(term):
    hits = rank_search(term, BOOK)
    return (hits[0].contact.contact_id, hits[0].match) if hits else None


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("uma@patel-design.co.nz", ("uma", SearchMatch.EMAIL)),
        ("UMA@PATEL-DESIGN.CO.NZ", ("uma", SearchMatch.EMAIL)),
        ("jo.bloggs@acme.co.nz", ("acme", SearchMatch.EMAIL)),  # a contact person's email
        ("Uma Patel", ("uma", SearchMatch.NAME)),
        ("patel uma", ("uma", SearchMatch.NAME)),  # any word order
        ("Uma Patele", ("uma", SearchMatch.SIMILAR)),  # a typo
        ("Uma Ptel", ("uma", SearchMatch.SIMILAR)),
        ("cafe zoe", ("zoe", SearchMatch.NAME)),  # accents and legal suffix ignored
        ("CAFÉ", ("zoe", SearchMatch.NAME_PREFIX)),
        ("zoë", ("zoe", SearchMatch.WORDS)),
        ("acme", ("acme", SearchMatch.NAME_PREFIX)),  # "acme widgets": closer than "acme logistics"
        ("widg", ("acme", SearchMatch.WORDS)),
        ("bloggs", ("jo", SearchMatch.WORDS)),  # last name
        ("patel-design", ("uma", SearchMatch.EMAIL_PART)),
        ("o'brien", ("smith", SearchMatch.NAME_PREFIX)),
        ("bea merged", ("survivor", SearchMatch.NAME)),  # merged: its survivor is shown
        ("Ben Old", None),  # archived
        ("qqqq", None),
        ("  ", None),
    ],
)
def test_search_table(term, expected):
    assert first(term) == expected


def test_search_orders_better_matches_first_and_is_stable():
    hits = rank_search("uma pat", BOOK)
    assert [h.contact.contact_id for h in hits] == ["uma", "umar"]
    assert rank_search("uma pat", list(reversed(BOOK))) == hits


def test_search_shows_each_survivor_once():
    hits = rank_search("merge.test", BOOK)
    assert [h.contact.contact_id for h in hits] == ["survivor"]


def test_search_limit():
    assert len(rank_search("a", BOOK, limit=2)) <= 2
    assert rank_search("uma", BOOK, limit=0) == []


@pytest.mark.parametrize(
    ("crm", "expected"),
    [
        (CrmContact(name="Uma Patel", email="uma@patel-design.co.nz"), ("uma", Reason.EMAIL)),
        (
            CrmContact(name="Jo Bloggs", email="Jo.Bloggs@acme.co.nz"),
            ("acme", Reason.CONTACT_PERSON_EMAIL),
        ),  # noqa: E501
        (CrmContact(name="Sam", email="sam@acme-logistics.com"), ("acme-log", Reason.EMAIL_DOMAIN)),
        (CrmContact(name="Uma Patel"), ("uma", Reason.SAME_NAME)),
        (CrmContact(name="Uma Patele"), ("uma", Reason.SIMILAR_NAME)),
        (CrmContact(name="Someone", company="Cafe Zoe"), ("zoe", Reason.COMPANY_NAME)),
        (CrmContact(name="Joanne Bloggs", email="joanne@gmail.com"), ("jo", Reason.SAME_NAME)),
        (CrmContact(name="Nobody", email="x@gmail.com"), None),  # free mail is no company
    ],
)
def test_suggestion_table(crm, expected):
    found = suggest(crm, BOOK)
    assert ((found[0].contact.contact_id, found[0].reason) if found else None) == expected


def test_an_exact_name_is_never_labelled_similar():
    found = suggest(CrmContact(first_name="Joanne", last_name="Bloggs"), BOOK)
    assert [(s.contact.contact_id, s.reason) for s in found] == [("jo", Reason.SAME_NAME)]


def test_keys_and_similarity():
    assert name_key("Café Zoë Limited") == "cafe zoe"
    assert email_key("  Uma@Patel-Design.co.NZ ") == "uma@patel-design.co.nz"
    assert same_name("Patel, Uma", "UMA PATEL")
    assert not same_name("Uma Patele", "Uma Patel")
    assert 0.9 < name_similarity("Uma Patele", "Uma Patel") < 1.0
    assert name_similarity("John Smith", "Jane Smyth") < 0.8
