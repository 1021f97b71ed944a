"""The token store: a connection's TokenSet sealed with the vault before it touches the database.

Only this module turns tokens into stored text and back, so "encrypted at rest" holds by
construction; nothing here logs, and `repr` of the sealed text shows ciphertext only.
"""

import json
from datetime import UTC, datetime

from widget.crypto import vault
from widget.xero import TokenSet


def seal(tokens: TokenSet) -> str:
    return vault().encrypt(json.dumps(tokens.to_dict(), default=str))


def unseal(sealed: str) -> TokenSet:
    return TokenSet.from_dict(json.loads(vault().decrypt(sealed)))


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes (stored as UTC); PostgreSQL aware ones. Compare as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
