"""Calls to the live sandbox for the sandbox tests, each checked against Xero's spec when the
spec describes the answer and the spec is there (errors the spec leaves out are checked by shape
in the tests; test_sandbox_conformance.py, which is about the spec, skips without it)."""

import requests

from tests.xero_spec import available, validate_exchange

API = "/api.xero.com/api.xro/2.0"


class Api:
    def __init__(self, sandbox_url: str, tokens):
        self.base, self.tokens = sandbox_url, tokens

    def url(self, path: str) -> str:
        return f"{self.base}{API}/{path.lstrip('/')}"

    def call(self, method: str, path: str, *, tenant=None, headers=None, spec=True, **kwargs):
        sent = self.tokens.headers(tenant) | (headers or {})
        response = requests.request(method, self.url(path), headers=sent, timeout=10, **kwargs)
        if spec and available():  # behaviour tests still run without the spec (checked by shape)
            validate_exchange(response)
        return response

    def get(self, path: str, **kwargs):
        return self.call("GET", path, **kwargs)

    def put(self, path: str, body: dict, **kwargs):
        return self.call("PUT", path, json=body, **kwargs)


def assert_problem(response, status: int, detail_start: str) -> dict:
    """Xero's problem-details body (401/403/429/5xx), which the spec does not describe."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["Type"] is None and body["Status"] == status
    assert body["Detail"].startswith(detail_start), body
    return body


def assert_validation(response, *messages: str) -> list[str]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["ErrorNumber"] == 10 and body["Type"] == "ValidationException"
    assert body["Message"] == "A validation exception occurred"
    found = [e["Message"] for el in body["Elements"] for e in el["ValidationErrors"]]
    for message in messages:
        assert any(message in text for text in found), (message, found)
    return found
