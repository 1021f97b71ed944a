"""The panels' queries over the mirror (widget.mirror.read), on SQLite and PostgreSQL, with rows
written into the mirror tables as fixture data: scoping, figures' documents, pages, contacts,
merged survivors and search candidates."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.auth.fixtures import make_tenant
from tests.panels.rows import contact_row, credit_row, invoice_row, new_id, quote_row
from widget.db import get_session
from widget.mirror import read
from widget.suggest import CrmContact, rank_search, suggest

TENANT = "tenant-a"


@pytest.fixture
def mirror(db_app):
    """A workspace with an organisation's mirror, and a second workspace on the same tenant."""
    ours, theirs = make_tenant(db_app).id, make_tenant(db_app).id
    with db_app.app_context():
        yield read.MirrorScope(ours, TENANT), read.MirrorScope(theirs, TENANT), get_session()


def add(session, *rows):
    session.add_all(rows)
    session.commit()


def test_summary_documents_read_only_what_counts_and_only_this_scope(mirror):
    scope, other, session = mirror
    acme = new_id()
    w, t = scope.workspace_id, scope.tenant_id
    add(
        session,
        invoice_row(w, t, acme, total="100", due="40", number="INV-1"),
        invoice_row(w, t, acme, status="PAID", due="0", number="INV-PAID"),
        invoice_row(w, t, acme, status="VOIDED", number="INV-VOID"),
        invoice_row(w, t, acme, type="ACCPAY", number="BILL-1"),
        invoice_row(w, t, acme, status="DRAFT", number="INV-DRAFT"),
        quote_row(w, t, acme, status="SENT", number="QU-1"),
        quote_row(w, t, acme, status="ACCEPTED", number="QU-ACC"),
        credit_row(w, t, acme, number="CN-1"),
        credit_row(w, t, acme, status="PAID", remaining="0", number="CN-PAID"),
        invoice_row(other.workspace_id, t, acme, number="INV-OTHER-WORKSPACE"),
        invoice_row(w, "tenant-b", acme, number="INV-OTHER-TENANT"),
        invoice_row(w, t, new_id(), number="INV-OTHER-CONTACT"),
    )
    docs = read.summary_documents(session, scope, [acme.upper()], {"DRAFT", "SENT"})
    assert sorted(i.invoice_number for i in docs.invoices) == ["BILL-1", "INV-1", "INV-DRAFT"]
    assert [q.quote_number for q in docs.quotes] == ["QU-1"]
    assert [c.credit_note_number for c in docs.credit_notes] == ["CN-1"]
    part = next(i for i in docs.invoices if i.invoice_number == "INV-1")
    assert (part.total, part.amount_due) == (Decimal("100"), Decimal("40"))
    with_accepted = read.summary_documents(session, scope, [acme], {"DRAFT", "SENT", "ACCEPTED"})
    assert len(with_accepted.quotes) == 2
    assert read.summary_documents(session, scope, [], {"SENT"}).invoices == ()


def test_lists_are_pages_of_25_newest_first_with_filters(mirror):
    scope, _other, session = mirror
    busy = new_id()
    w, t = scope.workspace_id, scope.tenant_id
    start = date(2020, 1, 1)
    rows = [
        invoice_row(w, t, busy, number=f"INV-{n:04d}", day=start + timedelta(days=n),
                    status="PAID" if n % 3 == 0 else "AUTHORISED", due="0" if n % 3 == 0 else None)
        for n in range(3000)
    ]  # fmt: skip
    add(session, *rows)
    first = read.documents_page(session, scope, [busy], "invoices", status="all")
    assert len(first.items) == 25 and first.more
    assert [i.invoice_number for i in first.items[:2]] == ["INV-2999", "INV-2998"]
    last = read.documents_page(session, scope, [busy], "invoices", status="all", page=120)
    assert len(last.items) == 25 and not last.more and last.items[-1].invoice_number == "INV-0000"
    paid = read.documents_page(session, scope, [busy], "invoices", status="paid")
    assert (
        all(i.status == "PAID" for i in paid.items) and paid.items[0].invoice_number == "INV-2997"
    )
    outstanding = read.documents_page(session, scope, [busy], "invoices")  # the default filter
    assert all(i.status == "AUTHORISED" for i in outstanding.items)
    found = read.documents_page(session, scope, [busy], "invoices", status="all", text="inv-004")
    assert [i.invoice_number for i in found.items][:2] == ["INV-0049", "INV-0048"]
    assert read.documents_page(session, scope, [busy], "bills").items == ()
    odd = read.documents_page(session, scope, [busy], "invoices", status="bogus", page=-4)
    assert odd.page == 1 and odd.items == outstanding.items
    assert read.documents_page(session, scope, [busy], "invoices", text="100%_").items == ()


def test_credit_note_and_quote_pages(mirror):
    scope, _other, session = mirror
    acme = new_id()
    w, t = scope.workspace_id, scope.tenant_id
    add(
        session,
        credit_row(w, t, acme, number="CN-A"),
        credit_row(w, t, acme, status="PAID", remaining="0", number="CN-P"),
        quote_row(w, t, acme, status="INVOICED", number="QU-I"),
        quote_row(w, t, acme, status="DRAFT", number="QU-D"),
    )
    credit = read.documents_page(session, scope, [acme], "credit_notes")
    assert [c.credit_note_number for c in credit.items] == ["CN-A"]
    every = read.documents_page(session, scope, [acme], "credit_notes", status="all")
    assert sorted(c.credit_note_number for c in every.items) == ["CN-A", "CN-P"]
    assert [
        q.quote_number for q in read.documents_page(session, scope, [acme], "quotes").items
    ] == ["QU-D"]


def test_contacts_by_id_survivors_and_scope(mirror):
    scope, other, session = mirror
    w, t = scope.workspace_id, scope.tenant_id
    survivor = contact_row(w, t, "Beatrice Survivor", "billing@merge.test")
    merged = contact_row(w, t, "Bea Merged", status="ARCHIVED", merged_to=survivor.contact_id)
    loop_a, loop_b = new_id(), new_id()
    add(
        session,
        survivor,
        merged,
        contact_row(w, t, "Loop A", contact_id=loop_a, merged_to=loop_b),
        contact_row(w, t, "Loop B", contact_id=loop_b, merged_to=loop_a),
        contact_row(other.workspace_id, t, "Not ours", contact_id=new_id()),
    )
    assert read.contact(session, scope, survivor.contact_id.upper()).name == "Beatrice Survivor"
    assert read.contact(session, other, survivor.contact_id) is None
    assert read.survivor(session, scope, merged.contact_id).contact_id == survivor.contact_id
    assert read.survivor(session, scope, survivor.contact_id) is None
    assert read.survivor(session, scope, loop_a) is None
    found = read.contacts_by_id(session, scope, [merged.contact_id, survivor.contact_id, new_id()])
    assert set(found) == {merged.contact_id, survivor.contact_id}


def test_search_and_suggestion_candidates_feed_the_ranking(mirror):
    scope, other, session = mirror
    w, t = scope.workspace_id, scope.tenant_id
    uma = contact_row(w, t, "Uma Patel", "uma@patel-design.co.nz", first="Uma", last="Patel")
    acme = contact_row(w, t, "Acme Widgets Ltd", "accounts@acme.co.nz", persons=["Jo@Acme.co.nz"])
    survivor = contact_row(w, t, "Beatrice Survivor", "billing@merge.test")
    add(
        session,
        uma,
        acme,
        survivor,
        contact_row(w, t, "Bea Merged", status="ARCHIVED", merged_to=survivor.contact_id),
        contact_row(w, t, "Zebra Crossings", "z@zebra.test"),
        contact_row(other.workspace_id, t, "Uma Patel (other workspace)", "uma@patel-design.co.nz"),
    )

    def search(term):
        return [
            h.contact.contact_id
            for h in rank_search(term, read.search_candidates(session, scope, term))
        ]  # noqa: E501

    assert search("Uma Patele") == [uma.contact_id]
    assert search("patel-design") == [uma.contact_id]
    assert search("bea merged") == [survivor.contact_id]
    assert search("qqq") == []

    def suggested(crm):
        found = suggest(crm, read.suggestion_candidates(session, scope, crm))
        return [(s.contact.contact_id, s.reason.name) for s in found]

    assert suggested(CrmContact(name="Jo", email="jo@acme.co.nz")) == [
        (acme.contact_id, "CONTACT_PERSON_EMAIL")
    ]
    assert suggested(CrmContact(name="Uma Patel", email="u@gmail.com")) == [
        (uma.contact_id, "SAME_NAME")
    ]
    assert suggested(CrmContact(name="Kim", email="kim@acme.co.nz"))[0] == (
        acme.contact_id, "EMAIL_DOMAIN",
    )  # fmt: skip


def test_bad_text_never_reaches_the_database_as_an_error(mirror):
    """NUL bytes (PostgreSQL refuses them) and lone surrogates, as typed or signed input."""
    scope, _other, session = mirror
    w, t = scope.workspace_id, scope.tenant_id
    who = contact_row(w, t, "Nul Safe", "nul@safe.test")
    add(session, who, invoice_row(w, t, who.contact_id, number="INV-NUL"))
    for bad in ("nul\x00safe", "\ud800", "\x00"):
        read.search_candidates(session, scope, bad)
        read.suggestion_candidates(session, scope, CrmContact(name=bad, email=f"a{bad}@b.test"))
        read.documents_page(session, scope, [who.contact_id], "invoices", text=bad)
        read.choices_page(session, scope, [who.contact_id], open_only=False,
                          open_quote_statuses={"SENT"}, text=bad)  # fmt: skip
        assert read.invoices_by_id(session, scope, [bad]) == []
    assert [c.name for c in read.search_candidates(session, scope, "nul\x00 safe")] == ["Nul Safe"]
