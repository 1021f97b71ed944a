"""Benchmark of the contact panel: Xero calls and bytes per cold and warm view, and warm-panel
throughput against a hello-world endpoint served by the same gunicorn in the same run.

Run: `.venv/bin/python -m bench.contact_panel` (loopback only, well under a minute).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

SANDBOX_API_PREFIX = "/sandbox/xero/api.xero.com/api.xro/2.0/"
METER_PATH = "/__bench/xero-meter"


@dataclass(frozen=True)
class XeroCall:
    method: str
    path: str
    query: str
    status: int
    bytes: int


class XeroMeter:
    """WSGI middleware around the app: records every Accounting API call the built-in sandbox
    answers (method, path, status, response body bytes) — what Xero would count and bill.

    `GET /__bench/xero-meter` answers the calls so far as JSON (for a benchmark talking to another
    process); tests read `calls` directly.
    """

    def __init__(self, app):
        self.app = app
        self._lock = threading.Lock()
        self._calls: list[XeroCall] = []

    @property
    def calls(self) -> list[XeroCall]:
        with self._lock:
            return list(self._calls)

    def mark(self) -> int:
        """A position to measure from: `since(mark)` gives the calls made after it."""
        with self._lock:
            return len(self._calls)

    def since(self, mark: int) -> list[XeroCall]:
        with self._lock:
            return self._calls[mark:]

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == METER_PATH:
            return self._report(start_response)
        if not path.startswith(SANDBOX_API_PREFIX):
            return self.app(environ, start_response)
        status: list[str] = []

        def recording_start(code, headers, exc_info=None):
            status.append(code)
            return start_response(code, headers, exc_info)

        body = self.app(environ, recording_start)
        return _Counted(body, lambda size: self._record(environ, status, size))

    def _record(self, environ, status: list[str], size: int) -> None:
        call = XeroCall(
            environ.get("REQUEST_METHOD", ""),
            environ.get("PATH_INFO", "")[len(SANDBOX_API_PREFIX) :],
            environ.get("QUERY_STRING", ""),
            int(status[0].split()[0]) if status else 0,
            size,
        )
        with self._lock:
            self._calls.append(call)

    def _report(self, start_response):
        calls = [call.__dict__ for call in self.calls]
        body = json.dumps({"calls": calls}).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]


class _Counted:
    """A response body that reports its size once the server has sent (or dropped) it."""

    def __init__(self, body, done):
        self._body = body
        self._done = done
        self._size = 0

    def __iter__(self):
        for chunk in self._body:
            self._size += len(chunk)
            yield chunk

    def close(self):
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._done(self._size)
