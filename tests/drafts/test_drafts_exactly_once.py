"""Exactly once, under the sandbox's faults: a resubmit, a double click, a retry after our client
timed out while Xero was still creating it (latency), after Xero created it and then failed (5xx
or an answer too late), after a 429, after Xero forgot the key, and with the form edited between
tries. Each time Xero holds one document and the rep is shown it. The double click also runs on
PostgreSQL."""

import secrets
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.contact.support import NZ, UK
from tests.drafts.support import DraftPost, created_id, linked, new_form, send, with_reference
from widget.auth.models import AuditEntry
from widget.drafts.models import DraftSubmission

FAST_TIMEOUT = 0.5  # our client's timeout during these tests (Xero's default is 10 s)
SLOW_MS = 900  # Xero's latency or late answer: past our timeout


def _form(server, workspace, kind="quote", org=NZ, index=0) -> tuple:
    panel, _contact = linked(server, workspace, org, index=index)
    reference = f"once-{secrets.token_hex(5)}"
    post = new_form(panel, kind).set(reference=reference)
    post.with_lines({"description": "Exactly once", "quantity": "3", "unit_amount": "33.33"})
    return panel, post, reference


def _puts(server, mark: int) -> int:
    return sum(1 for call in server.meter.since(mark) if call.method == "PUT")


def _wait_for_puts(server, mark: int, count: int, seconds: float = 5) -> None:
    """The sandbox is still busy with a request our client gave up on: wait until it answered."""
    deadline = time.monotonic() + seconds
    while _puts(server, mark) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _puts(server, mark) == count


def _submission(server, key: str) -> DraftSubmission:
    with server.app.extensions["db_sessionmaker"]() as session:
        return session.scalars(
            select(DraftSubmission).where(DraftSubmission.idempotency_key == key)
        ).one()


def _audits(server, xero_id: str) -> int:
    with server.app.extensions["db_sessionmaker"]() as session:
        return len(
            session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "draft.create", AuditEntry.subject == xero_id
                )
            ).all()
        )


def _one_document(server, reference: str, kind: str = "quote", org: str = NZ) -> dict:
    found = with_reference(server, org, kind, reference)
    assert len(found) == 1, f"{len(found)} documents with reference {reference}"
    return found[0]


def test_sending_the_same_form_again_shows_the_first_result_without_calling_xero(server, nz):
    panel, post, reference = _form(server, nz)
    first = send(panel, post)
    assert first.status_code == 200, first.text[:800]
    mark = server.meter.mark()
    again = send(panel, post)
    assert again.status_code == 200 and created_id(again.text) == created_id(first.text)
    assert "it was not created twice" in again.text
    assert server.meter.since(mark) == []
    stored = _one_document(server, reference)
    assert stored["QuoteID"] == created_id(first.text) and _audits(server, stored["QuoteID"]) == 1


def test_a_timeout_while_xero_is_still_creating_then_a_retry_gives_one_document(server, nz):
    panel, post, reference = _form(server, nz, "invoice", index=1)
    server.app.config["XERO_TIMEOUT_SECONDS"] = FAST_TIMEOUT
    server.sandbox.faults.set(NZ, latency_ms=SLOW_MS)
    mark = server.meter.mark()
    first = send(panel, post)
    assert first.status_code == 503, first.text[:800]
    assert "may or may not have been created" in first.text
    kept = DraftPost.read("invoice", first.text)
    assert kept.header["idempotency_key"] == post.header["idempotency_key"]  # same form, same key
    assert _submission(server, post.header["idempotency_key"]).status == "unknown"

    server.sandbox.faults.clear(NZ)
    _wait_for_puts(server, mark, 1)  # Xero finished creating it after we gave up
    assert len(with_reference(server, NZ, "invoice", reference)) == 1
    retry = send(panel, kept)
    assert retry.status_code == 200, retry.text[:800]
    stored = _one_document(server, reference, "invoice")
    assert created_id(retry.text) == stored["InvoiceID"]
    row = _submission(server, post.header["idempotency_key"])
    assert (row.status, row.attempts, row.xero_id) == ("created", 2, stored["InvoiceID"])
    assert _audits(server, stored["InvoiceID"]) == 1


def test_a_retry_racing_the_first_request_inside_xero_still_makes_one(server, nz):
    panel, post, reference = _form(server, nz, "bill", index=2)
    server.app.config["XERO_TIMEOUT_SECONDS"] = FAST_TIMEOUT
    server.sandbox.faults.set(NZ, latency_ms=SLOW_MS)
    mark = server.meter.mark()
    assert send(panel, post).status_code == 503
    server.sandbox.faults.clear(NZ)
    retry = send(panel, post)  # at once: the first is still sleeping inside the sandbox
    assert retry.status_code == 200, retry.text[:800]
    _wait_for_puts(server, mark, 2)
    assert created_id(retry.text) == _one_document(server, reference, "bill")["InvoiceID"]


@pytest.mark.parametrize("failure", ["503", "500", "timeout"])
def test_xero_creates_then_fails_and_the_retry_shows_what_it_created(server, nz, failure):
    panel, post, reference = _form(server, nz, "quote", index=3)
    server.app.config["XERO_TIMEOUT_SECONDS"] = FAST_TIMEOUT
    server.sandbox.faults.set(
        NZ, commit_then_fail=failure, commit_then_fail_count=1, timeout_ms=SLOW_MS
    )
    mark = server.meter.mark()
    first = send(panel, post)
    assert first.status_code == 503 and "Press Create again" in first.text
    _wait_for_puts(server, mark, 1)
    stored = _one_document(server, reference)  # Xero did create it
    retry = send(panel, post)
    assert retry.status_code == 200, retry.text[:800]
    assert created_id(retry.text) == stored["QuoteID"]
    # resent with the same key: we cannot know whether the first press reached Xero, so the
    # rep is told it is held once, never that it "had already" been created
    assert "Xero holds this quote once, whether or not the first press" in retry.text
    _one_document(server, reference)
    assert _audits(server, stored["QuoteID"]) == 1


def test_a_failure_before_xero_created_anything_lets_the_retry_create_it_once(server, nz):
    panel, post, reference = _form(server, nz, "invoice", index=4)
    server.sandbox.faults.set(NZ, error_rate=1.0)
    assert send(panel, post).status_code == 503
    assert with_reference(server, NZ, "invoice", reference) == []
    server.sandbox.faults.clear(NZ)
    retry = send(panel, post)
    assert retry.status_code == 200
    assert created_id(retry.text) == _one_document(server, reference, "invoice")["InvoiceID"]


def test_a_429_is_waited_out_and_the_retry_creates_it_once(server, uk):
    panel, post, reference = _form(server, uk, "invoice", org=UK, index=5)
    server.sandbox.faults.set(UK, force_429=1, force_429_problem="minute")
    first = send(panel, post)
    assert first.status_code == 429 and first.headers["Retry-After"] == "1"
    assert "Xero asks us to wait 1 second." in first.text
    mark = server.meter.mark()
    too_soon = send(panel, post)  # still inside Retry-After: Xero is not asked at all
    assert too_soon.status_code == 429 and server.meter.since(mark) == []
    server.cache_clock.advance(2)
    retry = send(panel, post)
    assert retry.status_code == 200, retry.text[:800]
    assert created_id(retry.text) == _one_document(server, reference, "invoice", UK)["InvoiceID"]


def test_a_form_edited_after_an_unanswered_press_shows_what_xero_created_first(server, nz):
    panel, post, reference = _form(server, nz, "quote", index=6)
    server.sandbox.faults.set(NZ, commit_then_fail="503", commit_then_fail_count=1)
    assert send(panel, post).status_code == 503
    post.lines[0]["unit_amount"] = "44.44"  # the rep changes the price and presses again
    retry = send(panel, post)
    assert retry.status_code == 200, retry.text[:800]
    assert "later changes to the form were not sent" in retry.text
    stored = _one_document(server, reference)
    assert created_id(retry.text) == stored["QuoteID"]
    assert str(stored["LineItems"][0]["UnitAmount"]) == "33.33"


def test_after_xero_forgot_the_key_we_look_for_the_draft_before_sending_again(server, nz):
    panel, post, reference = _form(server, nz, "bill", index=7)
    server.sandbox.faults.set(NZ, commit_then_fail="503", commit_then_fail_count=1)
    assert send(panel, post).status_code == 503
    stored = _one_document(server, reference, "bill")
    server.sandbox.clock.advance(minutes=7)  # Xero keeps keys for about 6 minutes
    mark = server.meter.mark()
    retry = send(panel, post)
    assert retry.status_code == 200, retry.text[:800]
    assert created_id(retry.text) == stored["InvoiceID"]
    calls = server.meter.since(mark)
    assert [c.method for c in calls] == ["GET"] and calls[0].path.endswith("Invoices")
    _one_document(server, reference, "bill")


def test_after_xero_forgot_a_key_that_created_nothing_the_draft_is_created_once(server, nz):
    panel, post, reference = _form(server, nz, "quote", index=8)
    server.sandbox.faults.set(NZ, error_rate=1.0)
    assert send(panel, post).status_code == 503
    server.sandbox.faults.clear(NZ)
    server.sandbox.clock.advance(minutes=7)
    retry = send(panel, post)
    assert retry.status_code == 200, retry.text[:800]
    assert created_id(retry.text) == _one_document(server, reference)["QuoteID"]


# --- a double click, on both databases ----------------------------------------------------------


def test_a_double_click_creates_one_document_and_both_presses_show_it(any_database):
    server, workspace = any_database
    panel, post, reference = _form(server, workspace, "invoice", index=9)
    server.sandbox.faults.set(NZ, latency_ms=300)  # both presses overlap the call to Xero
    answers: list = [None, None]

    def press(slot: int) -> None:
        answers[slot] = send(panel, post)

    mark = server.meter.mark()
    threads = [threading.Thread(target=press, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [answer.status_code for answer in answers] == [200, 200], answers[0].text[:500]
    assert created_id(answers[0].text) == created_id(answers[1].text)
    assert _puts(server, mark) == 1  # the second press waited for the first, Xero saw one
    stored = _one_document(server, reference, "invoice")
    assert created_id(answers[0].text) == stored["InvoiceID"]


def test_a_press_that_outwaits_the_first_is_told_to_look_again_and_then_sees_it(server, nz):
    panel, post, reference = _form(server, nz, "quote", index=10)
    server.app.config["DRAFTS_WAIT_SECONDS"] = 0.1  # the second press stops waiting at once
    server.sandbox.faults.set(NZ, latency_ms=600)
    try:
        first: list = []
        thread = threading.Thread(target=lambda: first.append(send(panel, post)))
        thread.start()
        deadline = time.monotonic() + 5
        while _status(server, post) != "pending" and time.monotonic() < deadline:
            time.sleep(0.01)
        second = send(panel, post)
        thread.join(timeout=10)
    finally:
        server.app.config["DRAFTS_WAIT_SECONDS"] = None
    assert second.status_code == 409 and "still being created in Xero" in second.text
    assert (
        DraftPost.read("quote", second.text).header["idempotency_key"]
        == post.header["idempotency_key"]
    )
    assert first[0].status_code == 200
    third = send(panel, post)
    assert third.status_code == 200 and created_id(third.text) == created_id(first[0].text)
    _one_document(server, reference)


def test_a_press_left_pending_by_a_process_that_died_is_taken_over(server, nz):
    panel, post, reference = _form(server, nz, "invoice", index=11)
    server.sandbox.faults.set(NZ, commit_then_fail="503", commit_then_fail_count=1)
    assert send(panel, post).status_code == 503  # Xero created it; our answer was lost
    with server.app.extensions["db_sessionmaker"]() as session:  # ...and then we crashed
        row = session.scalars(
            select(DraftSubmission).where(
                DraftSubmission.idempotency_key == post.header["idempotency_key"]
            )
        ).one()
        row.status, row.updated_at = "pending", datetime.now(UTC) - timedelta(hours=1)
        session.commit()
    retry = send(panel, post)
    assert retry.status_code == 200, retry.text[:800]
    assert created_id(retry.text) == _one_document(server, reference, "invoice")["InvoiceID"]


def _status(server, post) -> str | None:
    with server.app.extensions["db_sessionmaker"]() as session:
        return session.scalar(
            select(DraftSubmission.status).where(
                DraftSubmission.idempotency_key == post.header["idempotency_key"]
            )
        )
