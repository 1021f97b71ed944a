import json
import logging

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
