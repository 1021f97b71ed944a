"""Creating documents the Xero way: one or many per request, all or nothing by default.

With `summarizeErrors` (default true) any invalid element fails the whole request with a 400
ValidationException listing the invalid elements, and nothing is saved. With
`summarizeErrors=false` the valid ones are created and the invalid ones come back in the same
200 answer marked `"StatusAttributeString": "ERROR"` with their ValidationErrors.
"""

from collections.abc import Callable

from flask import request

from widget.sandbox.problems import bad_request, validation_failed
from widget.sandbox.serialise import envelope, json_response

Built = tuple[dict | None, list[str]]


def submitted(resource: str) -> list[dict]:
    """The elements of a PUT/POST body: `{"Invoices": [...]}` or one bare object."""
    data = request.get_json(silent=True, force=True)
    if isinstance(data, dict) and resource in data:
        data = data[resource]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise bad_request("The request body is not valid JSON for " + resource)
    return data


def failed_element(item: dict, messages: list[str]) -> dict:
    return {**item, "ValidationErrors": [{"Message": message} for message in messages]}


def create_all(resource: str, build: Callable[[dict], Built], save: Callable[[dict], None], now):
    """Build every submitted element; save them unless errors are summarised."""
    summarize = request.args.get("summarizeErrors", "true").lower() != "false"
    results, failures = [], []
    for item in submitted(resource):
        document, errors = build(item)
        if errors:
            failures.append(failed_element(item, errors))
            results.append(failures[-1] | {"StatusAttributeString": "ERROR", "HasErrors": True})
        else:
            results.append(document)
    if failures and summarize:
        raise validation_failed(failures)
    for document in results:
        if "ValidationErrors" not in document:
            save(document)
    return json_response(envelope(resource, results, now))
