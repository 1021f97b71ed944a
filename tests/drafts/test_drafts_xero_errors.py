"""Xero's own refusals (ValidationException) shown beside the field they concern, or at the top
when they concern none: with Xero changed after the form was opened (an account archived, a lock
date moved, the contact archived), so our checks pass and Xero's answer is what the rep sees."""

import contextlib
import json
from datetime import UTC, datetime

from tests.contact.support import NZ
from tests.drafts.support import DraftPost, FormReader, linked, new_form, send, with_reference
from widget.cache import CacheScope
from widget.drafts.forms import DraftForm
from widget.drafts.service import REFERENCE_KEY
from widget.drafts.validation import DraftValues, LineValues
from widget.sandbox.documents import all_of, save
from widget.sandbox.models import Organisation
from widget.sandbox.serialise import ms_date
from widget.xero import XeroValidationError
from widget.xero.validation import validation_error


def _refused_by_xero(messages: list[str], lines: list[dict], document: str = "Invoice"):
    """What the Xero client raises for a 400 whose document-level messages are these."""
    body = {
        "Elements": [{"LineItems": lines, "ValidationErrors": [{"Message": m} for m in messages]}]
    }
    return validation_error(body, document, {"LineItems": lines})


def test_xeros_messages_go_to_the_form_line_they_concern_through_skipped_lines():
    form = DraftForm(
        DraftValues(kind="invoice", lines=(LineValues(),) * 4), "contact", idempotency_key="k" * 20
    )
    sent = [{"Description": "a", "AccountCode": "200"}, {"Description": "b", "AccountCode": "999"}]
    error = _refused_by_xero(
        [
            "Account code '999' is not a valid code for this document.",
            "Due Date must be on or after the invoice Date.",
            "Organisation is not subscribed to currency EUR",
            "Something Xero says about nothing we show.",
        ],
        sent,
    )
    form.refused(error, sent=[1, 3])  # form lines 0 and 2 were left empty
    assert form.errors == {
        "line-3-account_code": ["Account code '999' is not a valid code for this document."],
        "due_date": ["Due Date must be on or after the invoice Date."],
        "currency_code": ["Organisation is not subscribed to currency EUR"],
    }
    assert form.general_errors == ["Something Xero says about nothing we show."]
    assert form.idempotency_key != "k" * 20  # a refused key is spent: the corrected form is new


def test_a_bills_number_message_goes_to_its_reference_and_unknown_paths_to_the_top():
    bill = DraftForm(DraftValues(kind="bill", lines=(LineValues(),)), "c")
    refusal = XeroValidationError(
        ["Invoice # too long", "Contact problem", "Line trouble"],
        {
            "InvoiceNumber": ["Invoice # too long"],
            "Contact": ["Contact problem"],
            "LineItems[5].Quantity": ["Line trouble"],
        },  # fmt: skip
        [],
    )
    bill.refused(refusal, sent=[0])
    assert bill.errors == {"reference": ["Invoice # too long"], "lines": ["Line trouble"]}
    assert bill.general_errors == ["Contact problem"]


# --- Xero changed after the form was opened ----------------------------------------------------


@contextlib.contextmanager
def _account_status(server, code: str, status: str):
    sandbox, tenant_id = server.sandbox, server.org(NZ).tenant_id
    with sandbox.sessions() as session, session.begin():
        account = next(a for a in all_of(session, tenant_id, "account") if a["Code"] == code)
        save(session, tenant_id, "account", {**account, "Status": status}, sandbox.clock.now())
    try:
        yield
    finally:
        with sandbox.sessions() as session, session.begin():
            save(session, tenant_id, "account", account, sandbox.clock.now())


@contextlib.contextmanager
def _organisation(server, **changes):
    sandbox, tenant_id = server.sandbox, server.org(NZ).tenant_id
    with sandbox.sessions() as session, session.begin():
        row = session.get(Organisation, tenant_id)
        before = row.body
        row.body = json.dumps({**json.loads(before), **changes})
    try:
        yield
    finally:
        with sandbox.sessions() as session, session.begin():
            session.get(Organisation, tenant_id).body = before


@contextlib.contextmanager
def _contact_status(server, contact: dict, status: str):
    sandbox, tenant_id = server.sandbox, server.org(NZ).tenant_id
    with sandbox.sessions() as session, session.begin():
        save(
            session, tenant_id, "contact", {**contact, "ContactStatus": status}, sandbox.clock.now()
        )
    try:
        yield
    finally:
        with sandbox.sessions() as session, session.begin():
            save(session, tenant_id, "contact", contact, sandbox.clock.now())


def _forget_reference(server, workspace) -> None:
    cache = server.app.extensions["contact_cache"]
    cache.invalidate(
        CacheScope(workspace.id, server.org(NZ).tenant_id), REFERENCE_KEY, keep_stale=False
    )


def test_an_account_archived_in_xero_meanwhile_is_refused_beside_its_line(server, nz):
    panel, _contact = linked(server, nz, NZ, index=20)
    post = new_form(panel, "invoice").set(reference="archived-meanwhile")
    post.with_lines(
        {},  # an empty line first: Xero's line numbers are not the form's
        {"description": "Consulting", "unit_amount": "120", "account_code": "205"},
    )
    try:
        with _account_status(server, "205", "ARCHIVED"):
            answer = send(panel, post)
            assert answer.status_code == 422, answer.text[:800]
            reader = FormReader(answer.text)
            assert reader.invalid == ["account_code"]
            assert (
                'id="draft-line-1-account_code-error" class="field-error" role="alert">'
                "Account code &#39;205&#39; has been archived" in answer.text
            )
            again = DraftPost.read("invoice", answer.text)
            assert again.lines[1]["account_code"] == "205"  # as typed, marked not available
            assert again.lines[1]["description"] == "Consulting"
            assert again.header["idempotency_key"] != post.header["idempotency_key"]
            # our copy of the accounts was out of date: the next form fetches them again
            mark = server.meter.mark()
            fresh = new_form(panel, "invoice")
            assert "Accounts" in [call.path.rsplit("/", 1)[-1] for call in server.meter.since(mark)]
            assert "205" not in fresh.options["account_code"]
        assert with_reference(server, NZ, "invoice", "archived-meanwhile") == []
    finally:
        _forget_reference(server, nz)


def test_a_lock_date_moved_in_xero_meanwhile_is_refused_beside_the_date(server, nz):
    panel, _contact = linked(server, nz, NZ, index=21)
    post = new_form(panel, "invoice").with_lines({"description": "Late", "unit_amount": "10"})
    today = datetime.fromisoformat(post.header["date"]).replace(tzinfo=UTC)
    try:
        with _organisation(server, PeriodLockDate=ms_date(today)):
            answer = send(panel, post)
        assert answer.status_code == 422, answer.text[:800]
        assert FormReader(answer.text).invalid == ["date"]
        assert 'id="draft-date-error"' in answer.text and "period lock date" in answer.text
    finally:
        _forget_reference(server, nz)


def test_a_message_about_no_field_of_the_form_is_shown_at_the_top(server, nz):
    panel, contact = linked(server, nz, NZ, index=22)
    post = new_form(panel, "quote").with_lines({"description": "Hello", "unit_amount": "10"})
    with _contact_status(server, contact, "ARCHIVED"):
        answer = send(panel, post)
    assert answer.status_code == 422
    top = answer.text.split("data-general-errors>", 1)[1].split("</div>", 1)[0]
    assert "is archived and cannot be used" in top
    assert FormReader(answer.text).invalid == []
    resent = send(panel, DraftPost.read("quote", answer.text))  # corrected (here: unarchived)
    assert resent.status_code == 200, resent.text[:800]


def test_the_refusal_is_also_what_a_racing_second_press_sees(server, nz):
    panel, contact = linked(server, nz, NZ, index=23)
    post = new_form(panel, "quote").with_lines({"description": "Twice", "unit_amount": "10"})
    with _contact_status(server, contact, "ARCHIVED"):
        first = send(panel, post)
        mark = server.meter.mark()
        second = send(panel, post)  # the same key again: the stored refusal, not sent again
    assert first.status_code == second.status_code == 422
    assert "is archived and cannot be used" in second.text
    assert [call for call in server.meter.since(mark) if call.method == "PUT"] == []
    key = DraftPost.read("quote", second.text).header["idempotency_key"]
    assert key != post.header["idempotency_key"]
