"""Exactly once after Xero forgot the key (DRAFTS_KEY_WINDOW_SECONDS, 300 s): the first press's
document is found whatever the rep did to it in Xero since (approved, a quote sent), a document
is never credited to two forms, and the rep is told what actually happened (found the one
created earlier, or created now)."""

import json

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.contact.support import NZ
from tests.drafts.support import created_id, linked, new_form, send, with_reference
from tests.drafts.test_drafts_exactly_once import _audits, _form, _one_document
from widget.drafts.models import CREATED, DraftSubmission
from widget.sandbox.documents import save
from widget.sandbox.models import Document
from widget.sandbox.serialise import ms_date

AFTER_WINDOW = 7  # minutes: past our 300 s window and Xero's (the sandbox's) 6-minute memory
#: what the rep does in Xero to the document meanwhile, per kind
MOVED_ON = {"invoice": "AUTHORISED", "bill": "AUTHORISED", "quote": "SENT"}
ID_FIELD = {"invoice": "InvoiceID", "bill": "InvoiceID", "quote": "QuoteID"}


def _move_on_in_xero(server, doc_id: str, kind: str) -> None:
    """What a rep does in Xero: approve the invoice or bill, send the quote (it updates it)."""
    box = server.sandbox
    tenant_id = server.org(NZ).tenant_id
    store_kind = "quote" if kind == "quote" else "invoice"
    with box.sessions() as session, session.begin():
        row = session.get(Document, (tenant_id, store_kind, doc_id))
        body = json.loads(row.body)
        body["Status"] = MOVED_ON[kind]
        body["UpdatedDateUTC"] = ms_date(box.clock.now())
        if store_kind == "invoice" and not body.get("DueDate"):
            body["DueDate"], body["DueDateString"] = body["Date"], body["DateString"]
        save(session, tenant_id, store_kind, body, box.clock.now())


def _same_content_form(server, workspace, kind: str, reference: str, index: int):
    panel, _contact = linked(server, workspace, NZ, index=index)
    post = new_form(panel, kind).set(reference=reference)
    post.with_lines({"description": "Exactly once", "quantity": "3", "unit_amount": "33.33"})
    return panel, post


@pytest.mark.parametrize("kind", ["invoice", "quote", "bill"])
def test_a_lost_answer_then_approved_in_xero_is_found_after_the_window(server, nz, kind):
    panel, post, reference = _form(server, nz, kind, index=12)
    server.sandbox.faults.set(NZ, commit_then_fail="503", commit_then_fail_count=1)
    assert send(panel, post).status_code == 503
    first = _one_document(server, reference, kind)[ID_FIELD[kind]]
    _move_on_in_xero(server, first, kind)
    server.sandbox.clock.advance(minutes=AFTER_WINDOW)

    retry = send(panel, post)
    assert retry.status_code == 200, retry.text[:800]
    assert created_id(retry.text) == first
    assert _one_document(server, reference, kind)["Status"] == MOVED_ON[kind]
    assert "created by your first press" in retry.text
    assert MOVED_ON[kind].lower() in retry.text.lower()  # what it is now in Xero
    assert _audits(server, first) == 1


def test_a_retry_after_the_window_that_creates_says_it_was_created_now(server, nz):
    panel, post, reference = _form(server, nz, "invoice", index=13)
    server.sandbox.faults.set(NZ, error_rate=1.0)
    assert send(panel, post).status_code == 503
    server.sandbox.faults.clear(NZ)
    server.sandbox.clock.advance(minutes=AFTER_WINDOW)
    retry = send(panel, post)
    assert retry.status_code == 200, retry.text[:800]
    assert created_id(retry.text) == _one_document(server, reference, "invoice")["InvoiceID"]
    assert "not created twice" not in retry.text
    assert "created now" in retry.text


@pytest.mark.parametrize("kind", ["invoice", "quote", "bill"])
def test_two_forms_with_the_same_content_get_two_documents(server, nz, kind):
    reference = f"twin-{kind}-{server.meter.mark()}"
    panel, first_post = _same_content_form(server, nz, kind, reference, index=14)
    first = send(panel, first_post)
    assert first.status_code == 200, first.text[:800]
    first_id = created_id(first.text)

    second_post = new_form(panel, kind).set(reference=reference)
    second_post.lines = [dict(line) for line in first_post.lines]
    assert second_post.header["idempotency_key"] != first_post.header["idempotency_key"]
    server.sandbox.faults.set(NZ, error_rate=1.0)  # fails before Xero saves anything
    assert send(panel, second_post).status_code == 503
    server.sandbox.faults.clear(NZ)
    server.sandbox.clock.advance(minutes=AFTER_WINDOW)

    retry = send(panel, second_post)
    assert retry.status_code == 200, retry.text[:800]
    second_id = created_id(retry.text)
    assert second_id != first_id
    stored = {doc[ID_FIELD[kind]] for doc in with_reference(server, NZ, kind, reference)}
    assert stored == {first_id, second_id}
    assert _audits(server, first_id) == 1 and _audits(server, second_id) == 1


def test_a_document_claimed_by_one_submission_cannot_be_claimed_by_another(any_database):
    """Enforced by the database itself (both databases), not only by the lookup."""
    server, workspace = any_database
    panel, post, _reference = _form(server, workspace, "invoice", index=15)
    answer = send(panel, post)
    assert answer.status_code == 200, answer.text[:800]
    with server.app.extensions["db_sessionmaker"]() as session:
        row = session.scalars(
            select(DraftSubmission).where(
                DraftSubmission.idempotency_key == post.header["idempotency_key"]
            )
        ).one()
        twin = DraftSubmission(
            **{
                column: getattr(row, column)
                for column in (c.key for c in DraftSubmission.__table__.columns)
                if column != "id"
            }
        )
        twin.idempotency_key, twin.status = "another-form-key-0123456789", CREATED
        session.add(twin)
        with pytest.raises(IntegrityError):
            session.commit()


def test_the_mark_xero_links_to_is_a_public_page_that_tells_nothing(server):
    import requests

    page = requests.get(f"{server.url}/drafts/source/{'ab' * 16}", timeout=10)
    assert page.status_code == 200 and "Created from your CRM" in page.text
    assert requests.get(f"{server.url}/drafts/source/not-a-mark", timeout=10).status_code == 404
