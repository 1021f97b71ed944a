"""Signed server-to-server requests: how a CRM proves a request comes from one workspace.

The CRM sends three headers:
  X-Widget-Workspace: the workspace id
  X-Widget-Timestamp: Unix time in seconds, when it signed
  X-Widget-Signature: v1=<hex HMAC-SHA256 with the workspace secret over
                      METHOD "\\n" PATH "\\n" TIMESTAMP "\\n" BODY>
PATH is the request path with its query string, if any (e.g. /api/crm/contacts).
Any of the workspace's secrets that is not retired verifies (like launch tokens), so secrets
rotate without downtime. A timestamp more than 5 minutes away from our clock is refused, and a
signature is accepted once: its hash is kept in the database for that window (across workers),
so a captured request cannot be replayed. To retry, sign again with a new timestamp.
"""

import hashlib
import hmac
import logging
import re
from datetime import datetime, timedelta

from flask import current_app, g, jsonify, request
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from widget.auth.clock import utcnow
from widget.auth.workspaces import WORKSPACE_ID, active_secrets, find_workspace
from widget.crm.models import UsedSignature
from widget.db import get_session

log = logging.getLogger(__name__)

WORKSPACE_HEADER = "X-Widget-Workspace"
TIMESTAMP_HEADER = "X-Widget-Timestamp"
SIGNATURE_HEADER = "X-Widget-Signature"
WINDOW_SECONDS = 300
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(r"^v1=([0-9a-f]{64})$")


class SignatureRefused(Exception):
    """Why a signed request is not accepted: a short, non-secret reason for integrators."""

    def __init__(self, error: str, message: str):
        super().__init__(message)
        self.error = error
        self.message = message


def sign(secret: str, method: str, path: str, timestamp: int | str, body: bytes) -> str:
    """The X-Widget-Signature value (what the CRM computes; our tests and examples use it)."""
    message = b"\n".join([method.upper().encode(), path.encode(), str(timestamp).encode(), body])
    return "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(workspace_id: str, secret: str, method: str, path: str, body: bytes, now=None):
    timestamp = int((now or utcnow()).timestamp())
    return {
        WORKSPACE_HEADER: workspace_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, method, path, timestamp, body),
    }


def _fresh_timestamp(raw: str, now: datetime) -> int:
    if not _TIMESTAMP.match(raw):
        raise SignatureRefused("bad_timestamp", f"{TIMESTAMP_HEADER} must be Unix seconds")
    timestamp = int(raw)
    if abs(now.timestamp() - timestamp) > WINDOW_SECONDS:
        raise SignatureRefused(
            "stale_timestamp",
            f"{TIMESTAMP_HEADER} is more than {WINDOW_SECONDS} s from our clock: sign again now",
        )
    return timestamp


def _remember(session: Session, workspace_id: str, signature: str, timestamp: int) -> None:
    """Spend the signature (and forget ones whose timestamps could no longer pass anyway)."""
    now = utcnow()
    session.execute(delete(UsedSignature).where(UsedSignature.expires_at < now))
    expires = datetime.fromtimestamp(timestamp, now.tzinfo) + timedelta(seconds=WINDOW_SECONDS)
    digest = hashlib.sha256(signature.encode()).hexdigest()
    session.add(UsedSignature(workspace_id=workspace_id, signature_hash=digest, expires_at=expires))
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise SignatureRefused(
            "replayed", "this signed request was already received: sign again to retry"
        ) from exc


def verify(
    session: Session, headers, method: str, path: str, body: bytes, now: datetime | None = None
) -> str:
    """The workspace a request is signed for, its signature now spent; or SignatureRefused."""
    now = now or utcnow()
    workspace_id = headers.get(WORKSPACE_HEADER, "")
    raw_timestamp = headers.get(TIMESTAMP_HEADER, "")
    match = _SIGNATURE.match(headers.get(SIGNATURE_HEADER, ""))
    if not workspace_id or not raw_timestamp or match is None:
        raise SignatureRefused(
            "unsigned",
            f"sign the request: {WORKSPACE_HEADER}, {TIMESTAMP_HEADER} and "
            f"{SIGNATURE_HEADER}: v1=<hex HMAC-SHA256>",
        )
    timestamp = _fresh_timestamp(raw_timestamp, now)
    workspace = find_workspace(session, workspace_id) if WORKSPACE_ID.match(workspace_id) else None
    secrets_ = active_secrets(session, workspace.id) if workspace is not None else []
    given = match.group(0)
    if not any(
        hmac.compare_digest(sign(secret, method, path, raw_timestamp, body), given)
        for secret in secrets_
    ):
        raise SignatureRefused(
            "bad_signature", "the signature does not match this workspace's secrets"
        )
    _remember(session, workspace.id, given, timestamp)
    return workspace.id


def signed_path() -> str:
    query = request.query_string.decode("latin-1")
    return f"{request.path}?{query}" if query else request.path


def verify_request():
    """For `widget.auth.access.signed`: None when the request is signed (the workspace goes to
    `g.signed_workspace_id`), else the 401 JSON refusal. Reads the body within its size limit."""
    request.max_content_length = current_app.config["CRM_API_MAX_BYTES"]
    body = request.get_data(cache=True)
    try:
        g.signed_workspace_id = verify(
            get_session(), request.headers, request.method, signed_path(), body
        )
    except SignatureRefused as refused:
        log.info("signed request refused", extra={"fields": {"reason": refused.error}})
        return jsonify(error=refused.error, message=refused.message), 401
    return None
