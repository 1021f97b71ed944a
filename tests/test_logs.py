import io
import json
import logging
from urllib.parse import quote

import pytest

from widget.logs import JsonFormatter, redact


def test_redact_hides_tokens_secrets_and_bearer_headers():
    line = redact(
        'refresh_token=abc123 "access_token": "eyJhbGciOi" Authorization: Bearer eyJ.x.y '
        "client_secret=s3cr3t"
    )
    for secret in ("abc123", "eyJhbGciOi", "eyJ.x.y", "s3cr3t"):
        assert secret not in line
    assert "[redacted]" in line


def test_json_formatter_writes_one_object_and_redacts_fields():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "refreshed token=%s", ("zzz",), None)
    record.fields = {"tenant": "t-1", "header": "Bearer qqq"}
    entry = json.loads(JsonFormatter().format(record))
    assert entry["tenant"] == "t-1"
    assert "zzz" not in entry["message"] and "qqq" not in entry["header"]


def test_query_strings_keep_their_names_and_lose_their_values():
    line = redact(
        'http://127.0.0.1:80 "GET /api.xro/2.0/Contacts?where=EmailAddress%3D%3D%22jo%40x.nz%22'
        '&page=1 HTTP/1.1" 200 9 and url: /api.xro/2.0/Contacts?searchTerm=Jo+Bloggs (Caused'
    )
    assert "jo%40x.nz" not in line and "Jo+Bloggs" not in line
    assert "Contacts?where=[redacted]&page=[redacted] HTTP/1.1" in line
    assert "?searchTerm=[redacted] (Caused" in line
    assert redact("is it late? no") == "is it late? no"


# -- at DEBUG, through a real panel: nothing of the customer reaches the log ---------------------


@pytest.fixture(scope="module")
def panel_server(tmp_path_factory):
    from tests.contact.support import serve_panels

    yield from serve_panels(tmp_path_factory, "logs")


@pytest.fixture
def debug_log():
    """Every logger at DEBUG into one JSON handler, as `LOG_LEVEL=DEBUG` configures production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def test_searching_a_contact_by_email_at_debug_logs_no_email_or_name(panel_server, debug_log):
    from tests.contact.support import NZ, open_panel, person_record, stored

    person = next(
        c
        for c in stored(panel_server, NZ, "contact")
        if c.get("ContactStatus") == "ACTIVE"
        and c.get("EmailAddress")
        and min(len(c.get("FirstName", "")), len(c.get("LastName", ""))) > 3
    )
    email, first, last = person["EmailAddress"], person["FirstName"], person["LastName"]
    workspace = panel_server.connected_workspace(NZ)
    record = person_record(name=f"{first} {last}", email=email)
    panel = open_panel(panel_server, workspace, record)
    suggested = panel.get("/contact/suggestions")
    found = panel.get("/contact/search", q=email)
    assert person["ContactID"] in suggested.text and person["ContactID"] in found.text

    log = debug_log.getvalue()
    lines = [json.loads(line) for line in log.splitlines()]
    xero_calls = [
        e for e in lines if e["logger"] == "urllib3.connectionpool" and "/Contacts" in e["message"]
    ]
    assert xero_calls, "urllib3 logged the Xero calls at DEBUG (the test would prove nothing)"
    assert any("/contact/search?q=[redacted]" in e["message"] for e in lines)  # werkzeug's line
    for secret in (email, quote(email), quote(email, safe=""), first, last):
        assert secret not in log, secret
