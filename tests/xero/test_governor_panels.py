"""What a rep sees when the governor turns a call away: the contact panel's search answers at once
with "Error fetching details" and a Retry-After, instead of tying up the server; and the
app's clients really are governed (the panels' calls count in the governor's slots)."""

from __future__ import annotations

import threading
import time

import pytest

from tests.contact.support import NZ, open_panel, person_record, serve_panels
from widget.connection.service import GOVERNOR_EXTENSION
from widget.xero.governor import Governor, GovernorSettings


@pytest.fixture(scope="module")
def panels(tmp_path_factory):
    yield from serve_panels(tmp_path_factory, "governor-panels")


def test_a_search_beyond_the_share_is_told_busy_at_once(panels):
    shared = panels.app.extensions[GOVERNOR_EXTENSION]
    strict = Governor(shared.store, GovernorSettings(server_share=1, max_waiting=0))
    panels.app.extensions[GOVERNOR_EXTENSION] = strict
    tenant_id = panels.org(NZ).tenant_id
    first = open_panel(panels, panels.connected_workspace(NZ), person_record())
    second = open_panel(panels, panels.connected_workspace(NZ), person_record())
    panels.sandbox.faults.set(NZ, latency_ms=1500)
    answers = {}
    try:
        slow = threading.Thread(
            target=lambda: answers.setdefault("slow", first.get("/contact/search", q="zzslow"))
        )
        slow.start()
        deadline = time.monotonic() + 5
        while strict.in_flight(tenant_id) == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        in_flight = strict.in_flight(tenant_id)
        began = time.monotonic()
        busy = second.get("/contact/search", q="zzbusy")
        busy_seconds = time.monotonic() - began
        slow.join(10)
    finally:
        panels.release(NZ)
        panels.app.extensions[GOVERNOR_EXTENSION] = shared
    assert in_flight == 1  # the first search's call holds the organisation's one seat
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
    assert "Error fetching details" in busy.text and "tries again in 1" in busy.text
    assert busy_seconds < 1.0  # not 1.5 s behind the slow call
    assert answers["slow"].status_code == 200
