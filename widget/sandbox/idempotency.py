"""Idempotency-Key on writes: a retry with the same key (same organisation) gets the first
answer again instead of creating twice; the same key with a different request is a 400.

Keys are remembered for SANDBOX_IDEMPOTENCY_SECONDS of the sandbox clock (Xero: about 6
minutes, *unconfirmed*). A retry that arrives while the first call is still running waits for it.
"""

import hashlib
import time
from collections.abc import Callable
from datetime import timedelta

from flask import Response
from sqlalchemy.exc import IntegrityError

from widget.sandbox.models import IdempotentResponse
from widget.sandbox.problems import XeroProblem, bad_request

MAX_KEY_LENGTH = 128
WAIT_SECONDS = 30


def request_hash(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def run_once(sandbox, tenant_id: str, key: str, fingerprint: str, produce: Callable) -> Response:
    """`produce()` runs at most once per (organisation, key) within the memory window."""
    if len(key) > MAX_KEY_LENGTH:
        raise bad_request(f"Idempotency-Key must be at most {MAX_KEY_LENGTH} characters")
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        state, replay = _claim(sandbox, tenant_id, key, fingerprint)
        if state == "replay":
            return replay
        if state == "owned":
            break
        if time.monotonic() > deadline:
            raise bad_request("A request with this Idempotency-Key is still being processed")
        time.sleep(0.05)
    try:
        response = produce()
    except XeroProblem as exc:
        response = exc.response
    except BaseException:
        _finish(sandbox, tenant_id, key, None)
        raise
    _finish(sandbox, tenant_id, key, response)
    return response


def _claim(sandbox, tenant_id: str, key: str, fingerprint: str) -> tuple[str, Response | None]:
    """("replay", answer) for a finished key, ("owned", None) once this call holds the key,
    ("wait", None) while another call with the key is still running."""
    ttl = timedelta(seconds=int(sandbox.config.get("SANDBOX_IDEMPOTENCY_SECONDS", 360)))
    now = sandbox.clock.now()
    try:
        with sandbox.sessions() as session, session.begin():
            row = session.get(IdempotentResponse, (tenant_id, key))
            if row is not None and row.created_at < now - ttl:
                session.delete(row)
                session.flush()
                row = None
            if row is None:
                session.add(
                    IdempotentResponse(
                        tenant_id=tenant_id, key=key, request_hash=fingerprint, created_at=now
                    )
                )
                return "owned", None
            if row.request_hash != fingerprint:
                raise bad_request("This Idempotency-Key was already used for a different request")
            if row.status is None:
                return "wait", None
            return "replay", Response(row.body, status=row.status, mimetype="application/json")
    except IntegrityError:
        return "wait", None  # another call inserted the key first


def _finish(sandbox, tenant_id: str, key: str, response: Response | None) -> None:
    with sandbox.sessions() as session, session.begin():
        row = session.get(IdempotentResponse, (tenant_id, key))
        if row is None:
            return
        if response is None or response.status_code >= 500:
            session.delete(row)  # nothing happened: let a retry try again
        else:
            row.status, row.body = response.status_code, response.get_data(as_text=True)
