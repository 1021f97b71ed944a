import random

import pytest

from widget.suggest import (
    ContactQuery,
    CrmContact,
    Reason,
    Suggestion,
    enough,
    is_freemail,
    missing_merge_targets,
    name_similarity,
    normalise_name,
    plan_suggestion_queries,
    search_core,
    suggest,
)
from widget.xero.models import Contact, ContactPerson


def contact(contact_id, name, email=None, *, persons=(), status="ACTIVE", merged_to=None, **names):
    return Contact(
        contact_id=contact_id,
        name=name,
        first_name=names.get("first_name"),
        last_name=names.get("last_name"),
        email_address=email,
        contact_status=status,
        is_customer=True,
        is_supplier=False,
        contact_persons=tuple(ContactPerson(None, None, e) for e in persons),
        merged_to_contact_id=merged_to,
        updated_at=None,
    )


JANE = CrmContact(
    name="Jane Doe",
    first_name="Jane",
    last_name="Doe",
    email="Jane.Doe@Acme.co.nz",
    company="Acme Widgets Ltd",
)
CANDIDATES = [
    contact("unrelated", "Zebra Crossings Ltd", "info@zebra.com"),
    contact("name2", "Jayne Doe", "jd@example.org"),
    contact("name", "Jane Doe", "jane@gmail.com"),
    contact("domain", "Acme Logistics", "ops@acme.co.nz"),
    contact("company", "ACME WIDGETS LIMITED"),
    contact(
        "person", "Acme Holdings", "accounts@acmeholdings.com", persons=["JANE.doe@acme.co.nz"]
    ),
    contact("email", "J Doe Consulting", " jane.doe@ACME.co.nz "),
    contact("archived", "Jane Doe (old)", "jane.doe@acme.co.nz", status="ARCHIVED"),
]


def ids(suggestions):
    return [s.contact.contact_id for s in suggestions]


def test_ranking_follows_the_product_order_with_reasons():
    result = suggest(JANE, CANDIDATES, limit=10)
    assert ids(result) == ["email", "person", "company", "domain", "name", "name2"]
    assert [s.reason for s in result] == [
        Reason.EMAIL,
        Reason.CONTACT_PERSON_EMAIL,
        Reason.COMPANY_NAME,
        Reason.EMAIL_DOMAIN,
        Reason.SAME_NAME,  # "Jane Doe" itself: never labelled a similar name
        Reason.SIMILAR_NAME,
    ]
    assert result[0].matched == "jane.doe@acme.co.nz"
    assert result[3].matched == "acme.co.nz"


def test_order_is_stable_whatever_order_xero_returns():
    expected = ids(suggest(JANE, CANDIDATES))
    rng = random.Random(7)
    for _ in range(20):
        shuffled = CANDIDATES[:]
        rng.shuffle(shuffled)
        assert ids(suggest(JANE, shuffled)) == expected


def test_limit_keeps_the_best():
    assert ids(suggest(JANE, CANDIDATES, limit=2)) == ["email", "person"]
    assert suggest(JANE, CANDIDATES, limit=0) == []


def test_archived_contacts_are_never_suggested():
    assert "archived" not in ids(suggest(JANE, CANDIDATES, limit=50))


def test_free_mail_domains_are_not_a_company():
    bob = CrmContact(name="Bob Stone", email="bob@gmail.com")
    others = [
        contact("alice", "Alice Brown", "alice@gmail.com"),
        contact("bob", "Robert Stone", "BOB@gmail.com"),
    ]
    result = suggest(bob, others)
    assert ids(result) == ["bob"] and result[0].reason is Reason.EMAIL


def test_domain_matches_a_contact_persons_email_too():
    crm = CrmContact(name="Sam Lee", email="sam@initech.com")
    result = suggest(crm, [contact("i", "Initech", None, persons=["billing@initech.com"])])
    assert [(s.contact.contact_id, s.reason) for s in result] == [("i", Reason.EMAIL_DOMAIN)]


def test_merged_contacts_resolve_to_the_survivor_or_drop_out():
    survivor = contact("new", "Jane Doe Ltd", "billing@doe.example")
    merged = contact("old", "Jane Doe", JANE.email, status="ARCHIVED", merged_to="new")
    orphan = contact("orphan", "Jane D", JANE.email, status="ARCHIVED", merged_to="gone")
    result = suggest(JANE, [merged, survivor, orphan])
    assert [(s.contact.contact_id, s.reason) for s in result] == [("new", Reason.EMAIL)]
    assert missing_merge_targets([merged, survivor, orphan]) == ["gone"]


def test_merge_loops_do_not_hang():
    a = contact("a", "Jane Doe", merged_to="b")
    b = contact("b", "Jane Doe", merged_to="a")
    assert suggest(JANE, [a, b]) == []


def test_nothing_matches_gives_nothing():
    assert suggest(CrmContact(name="Nobody", email="n@nowhere.test"), CANDIDATES) == []
    assert suggest(CrmContact(), CANDIDATES) == []
    assert suggest(JANE, []) == []


def test_similar_names_respect_the_threshold():
    crm = CrmContact(first_name="John", last_name="Smith")
    people = [
        contact("jon", "Jon Smith"),
        contact("jane", "Jane Smyth"),
        contact("rev", "Smith John"),
    ]
    assert ids(suggest(crm, people)) == ["rev", "jon"]  # word order ignored: rev scores 1.0
    assert ids(suggest(crm, people, name_threshold=0.99)) == ["rev"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Acme Widgets, Ltd.", "ACME WIDGETS LIMITED"),
        ("Smith & Co", "smith"),
        ("Café Zoë Pty Ltd", "cafe zoe"),
        ("The Warehouse Limited", "Warehouse"),
        ("Initech, Inc.", "initech llc"),
    ],
)
def test_names_normalise_case_punctuation_accents_and_legal_suffixes(a, b):
    assert normalise_name(a) == normalise_name(b)
    assert name_similarity(a, b) == 1.0


def test_a_name_that_is_only_a_suffix_word_is_kept():
    assert normalise_name("Limited") == "limited"


@pytest.mark.parametrize(
    ("domain", "free"),
    [
        ("gmail.com", True),
        ("yahoo.co.nz", True),
        ("hotmail.co.uk", True),
        ("outlook.de", True),
        ("xtra.co.nz", True),
        ("ICLOUD.COM", True),
        ("acme.co.nz", False),
        ("outlook.acme.com", False),
        ("gmail-lawyers.com", False),
    ],
)
def test_free_mail_detection(domain, free):
    assert is_freemail(domain) is free


def test_query_plan_is_email_then_company_then_domain_then_name():
    queries = plan_suggestion_queries(JANE)
    assert [dict(q.params) for q in queries] == [
        {"where": 'EmailAddress=="jane.doe@acme.co.nz"', "page": "1", "pageSize": "25"},
        {"searchTerm": "Acme Widgets", "page": "1", "pageSize": "25"},
        {"searchTerm": "acme.co.nz", "page": "1", "pageSize": "25"},
        {"searchTerm": "Jane Doe", "page": "1", "pageSize": "25"},
    ]
    assert [q.finds for q in queries] == [
        Reason.EMAIL,
        Reason.COMPANY_NAME,
        Reason.EMAIL_DOMAIN,
        Reason.SIMILAR_NAME,
    ]


def test_query_plan_skips_what_cannot_help():
    gmail = CrmContact(name="Bob Stone", email="bob@gmail.com", company="Bob Stone Limited")
    assert [dict(q.params).get("searchTerm") for q in plan_suggestion_queries(gmail)] == [
        None,  # the where= query
        "Bob Stone",  # company core; the same name is not searched twice, gmail.com never
    ]
    assert plan_suggestion_queries(CrmContact()) == []


def test_an_email_with_a_quote_falls_back_to_search_term():
    (query,) = plan_suggestion_queries(CrmContact(email='"odd"@example.com'))[:1]
    assert dict(query.params)["searchTerm"] == '"odd"@example.com'
    assert "where" not in dict(query.params)


def test_search_core_drops_legal_suffixes_and_punctuation():
    assert search_core("Acme Widgets, Ltd.") == "Acme Widgets"
    assert search_core("Initech Pty Ltd") == "Initech"
    assert search_core("  ") == "" and search_core(None) == ""


def test_enough_stops_only_when_the_remaining_queries_cannot_do_better():
    exact = [Suggestion(contact(str(i), "X"), Reason.EMAIL, 0.0, "x") for i in range(5)]
    domain_query = ContactQuery((("searchTerm", "acme.co.nz"),), Reason.EMAIL_DOMAIN)
    assert enough(exact, domain_query, limit=5)
    assert not enough(exact[:2], domain_query, limit=5)
    company_hits = [
        Suggestion(contact(str(i), "X"), Reason.COMPANY_NAME, 0.0, "x") for i in range(5)
    ]
    assert not enough(company_hits, domain_query, limit=5)  # the domain query is the same tier
