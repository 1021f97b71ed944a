"""The client's incremental reads, as the sandbox receives them: If-Modified-Since in UTC, whole
seconds, rounded down (never up: that could skip a document updated in the same second), and
credit notes parsed with their remaining credit."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.mirror.support import NZ, connect, sandbox_documents
from widget.connection.service import client_for


def test_if_modified_since_is_utc_whole_seconds_rounded_down(server):
    connected = connect(server, NZ)
    auckland = timezone(timedelta(hours=13))
    moment = datetime(2026, 11, 30, 9, 15, 42, 999_999, tzinfo=auckland)
    mark = server.meter.mark()
    with server.app.app_context():
        client = client_for(connected.workspace_id)
        client.contacts(page=1, modified_since=moment, order="UpdatedDateUTC DESC")
        client.invoices(page=1, modified_since=moment.astimezone(UTC))
        client.quotes(page=1, modified_since=moment)
        client.credit_notes(page=1, modified_since=moment)
        with pytest.raises(ValueError):
            client.contacts(modified_since=datetime(2026, 11, 30, 9, 15))  # no zone: refused
        with pytest.raises(ValueError):
            client.contacts(order="Name; DROP")
    calls = server.meter.since(mark)
    assert [c.modified_since for c in calls] == ["2026-11-29T20:15:42"] * 4
    assert calls[0].query["order"] == "UpdatedDateUTC DESC"


def test_credit_notes_are_read_with_their_remaining_credit(server):
    connected = connect(server, NZ)
    stored = {n["CreditNoteID"]: n for n in sandbox_documents(server, NZ, "creditnote")}
    with server.app.app_context():
        client = client_for(connected.workspace_id)
        notes = list(client.all_pages(client.credit_notes, page_size=10))
        one = client.credit_note(notes[0].credit_note_id)
    assert {n.credit_note_id for n in notes} == set(stored)
    for note in notes:
        assert str(note.remaining_credit) == str(stored[note.credit_note_id]["RemainingCredit"])
        assert note.type in ("ACCRECCREDIT", "ACCPAYCREDIT")
    assert (one.credit_note_id, one.total) == (notes[0].credit_note_id, notes[0].total)
