"""Xero's error answers, raised as exceptions anywhere in the sandbox and rendered by one handler.

Shapes: the identity service's problem details (`{"Type":null,"Title":…,"Status":…,"Detail":…}`)
for 401/403/429/5xx, the Accounting API's `{"ErrorNumber","Type","Message","Elements"}` for 400s,
and a plain-text body for 404 as Xero gives.
"""

from flask import Response

from widget.sandbox.serialise import json_response, new_id

NOT_FOUND_TEXT = "The resource you're looking for cannot be found"


class XeroProblem(Exception):
    """An error response; `response` is what the sandbox sends."""

    def __init__(self, response: Response):
        super().__init__(response.status)
        self.response = response


def problem(status: int, title: str, detail: str, headers: dict | None = None) -> XeroProblem:
    body = {
        "Type": None,
        "Title": title,
        "Status": status,
        "Detail": detail,
        "Instance": new_id(),
        "Extensions": {},
    }
    return XeroProblem(json_response(body, status, headers))


def unauthorized(detail: str) -> XeroProblem:
    return problem(401, "Unauthorized", detail)


def forbidden(detail: str = "AuthenticationUnsuccessful") -> XeroProblem:
    return problem(403, "Forbidden", detail)


def not_found() -> XeroProblem:
    return XeroProblem(Response(NOT_FOUND_TEXT, status=404, mimetype="text/plain"))


def validation_failed(elements: list[dict]) -> XeroProblem:
    body = {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": elements,
    }
    return XeroProblem(json_response(body, 400))


def query_parse_error(message: str) -> XeroProblem:
    body = {"ErrorNumber": 16, "Type": "QueryParseException", "Message": message}
    return XeroProblem(json_response(body, 400))


def bad_request(message: str) -> XeroProblem:
    """Malformed input that never reaches validation (bad JSON, bad header)."""
    body = {"ErrorNumber": 14, "Type": "PostDataInvalidException", "Message": message}
    return XeroProblem(json_response(body, 400))


def oauth_error(error: str, status: int = 400, description: str | None = None) -> XeroProblem:
    body = {"error": error}
    if description:
        body["error_description"] = description
    return XeroProblem(json_response(body, status, {"Cache-Control": "no-store"}))
