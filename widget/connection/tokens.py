"""The token store: a connection's TokenSet sealed with the vault before it touches the database.

Only this module turns tokens into stored text and back, so "encrypted at rest" holds by
construction; nothing here logs, and `repr` of the sealed text shows ciphertext only.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from widget.crypto import vault
from widget.xero import TokenSet
from widget.xero.tokens import Connection


def seal(tokens: TokenSet) -> str:
    return vault().encrypt(json.dumps(tokens.to_dict(), default=str))


def unseal(sealed: str) -> TokenSet:
    return TokenSet.from_dict(json.loads(vault().decrypt(sealed)))


@dataclass(frozen=True)
class Grant:
    """What a consent brought back, kept on the pending flow until the admin completes it."""

    tokens: TokenSet
    organisations: list[Connection]


def seal_grant(grant: Grant) -> str:
    organisations = [
        {"id": o.id, "tenant_id": o.tenant_id, "tenant_type": o.tenant_type, "name": o.tenant_name}
        for o in grant.organisations
    ]
    payload = {"tokens": grant.tokens.to_dict(), "organisations": organisations}
    return vault().encrypt(json.dumps(payload, default=str))


def unseal_grant(sealed: str) -> Grant:
    payload = json.loads(vault().decrypt(sealed))
    organisations = [
        Connection(o["id"], o["tenant_id"], o["tenant_type"], o["name"], None, None)
        for o in payload["organisations"]
    ]
    return Grant(TokenSet.from_dict(payload["tokens"]), organisations)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes (stored as UTC); PostgreSQL aware ones. Compare as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
