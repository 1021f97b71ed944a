"""Reading a pushed batch: a JSON object holding one list of at most 1,000 records.

Every refusal is a `BatchRefused` with an HTTP status, a machine-readable `error` and a sentence;
the API answers it as JSON. Records are checked in full before anything is written: one bad
record refuses the batch (422, with every bad record listed), so nothing is ever half applied.
"""

import json

from flask import Request

from widget.crm import rows

MAX_BATCH = 1000


class BatchRefused(Exception):
    def __init__(self, status: int, error: str, message: str, errors: list | None = None):
        super().__init__(message)
        self.status, self.error, self.message, self.errors = status, error, message, errors

    def as_json(self) -> dict:
        body = {"error": self.error, "message": self.message}
        if self.errors is not None:
            body["errors"] = [error.as_json() for error in self.errors]
        return body


def _items(request: Request, key: str) -> list:
    if request.mimetype != "application/json":
        raise BatchRefused(415, "unsupported_media_type", "send Content-Type: application/json")
    try:
        document = json.loads(request.get_data(cache=True))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # too deep is invalid too
        raise BatchRefused(400, "invalid_json", "the body is not valid JSON") from exc
    if not isinstance(document, dict) or not isinstance(document.get(key), list):
        raise BatchRefused(400, "invalid_batch", f'send an object: {{"{key}": [...]}}')
    items = document[key]
    if len(items) > MAX_BATCH:
        raise BatchRefused(
            413, "batch_too_large", f"at most {MAX_BATCH:,} {key} per request; send several"
        )
    return items


def checked(request: Request, key: str, parse) -> list:
    """The batch's records, all clean, or BatchRefused (422 lists each bad record)."""
    good, errors = rows.check_all(_items(request, key), parse)
    if errors:
        raise BatchRefused(
            422,
            "invalid_records",
            f"{len(errors)} of the {key} were refused; nothing was saved",
            errors,
        )
    return good
