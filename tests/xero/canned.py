"""A requests transport adapter that answers from a script instead of the network.

It stands in for Xero's side of the wire only (our code runs unchanged above it) and records
every request it was sent, with the timeout it was given, so tests can check what went out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from widget.xero import XeroEndpoints

BASE = "https://xero.test"
ENDPOINTS = XeroEndpoints(
    authorize_url=f"{BASE}/login.xero.com/identity/connect/authorize",
    token_url=f"{BASE}/identity.xero.com/connect/token",
    revocation_url=f"{BASE}/identity.xero.com/connect/revocation",
    connections_url=f"{BASE}/api.xero.com/connections",
    api_url=f"{BASE}/api.xero.com/api.xro/2.0",
)
TENANT = "fe79f7dd-b6d4-4a92-ba7b-538af6289c58"
LIMIT_HEADERS = {
    "X-DayLimit-Remaining": "4990",
    "X-MinLimit-Remaining": "59",
    "X-AppMinLimit-Remaining": "9999",
}


@dataclass
class Canned:
    status: int = 200
    body: object = None  # dict/list → JSON; str/bytes → as is
    headers: dict = field(default_factory=dict)
    raises: Exception | None = None

    def content(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass
class Sent:
    method: str
    url: str
    headers: CaseInsensitiveDict
    body: bytes | None
    timeout: object


class CannedAdapter(BaseAdapter):
    """Answers each request with the next scripted reply (or a function of the request)."""

    def __init__(self, *replies: Canned | Callable[[requests.PreparedRequest], Canned]):
        super().__init__()
        self.replies = list(replies)
        self.sent: list[Sent] = []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        body = request.body.encode() if isinstance(request.body, str) else request.body
        self.sent.append(Sent(request.method, request.url, request.headers, body, timeout))
        if not self.replies:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        reply = self.replies.pop(0)
        if callable(reply):
            reply = reply(request)
        if reply.raises is not None:
            raise reply.raises
        response = requests.Response()
        response.status_code = reply.status
        response.headers = CaseInsensitiveDict(
            {"Content-Type": "application/json; charset=utf-8", **reply.headers}
        )
        response._content = reply.content()
        response.url = request.url
        response.request = request
        response.reason = "canned"
        return response

    def close(self):
        pass


def session_with(adapter: CannedAdapter) -> requests.Session:
    """A session like the client's own, whose every request goes to `adapter`."""
    from widget.xero.http import make_session

    session = make_session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
