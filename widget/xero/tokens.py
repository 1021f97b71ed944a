"""OAuth results the rest of the app stores: tokens (encrypted by others) and connections."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from widget.xero.dates import parse_datetime


@dataclass(frozen=True)
class TokenSet:
    """Xero's tokens; the repr hides them so they cannot leak into logs or tracebacks."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime  # UTC aware
    scope: str
    id_token: str | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")

    def expires_within(self, seconds: float) -> bool:
        return self.expires_at - datetime.now(UTC) <= timedelta(seconds=seconds)

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(self.scope.split())

    def to_dict(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at.astimezone(UTC).isoformat(),
            "scope": self.scope,
            "id_token": self.id_token,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TokenSet:
        expires_at = datetime.fromisoformat(data["expires_at"])
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=UTC)
        return cls(
            access_token=data["access_token"],
            refresh_token=data["refresh_token"],
            expires_at=expires_at,
            scope=data.get("scope") or "",
            id_token=data.get("id_token"),
        )

    @classmethod
    def from_token_response(cls, data: Mapping[str, Any], now: datetime | None = None) -> TokenSet:
        """From the token endpoint's JSON (`expires_in` seconds from now)."""
        now = now or datetime.now(UTC)
        return cls(
            access_token=data["access_token"],
            refresh_token=data["refresh_token"],
            expires_at=now + timedelta(seconds=int(data.get("expires_in") or 1800)),
            scope=data.get("scope") or "",
            id_token=data.get("id_token"),
        )


@dataclass(frozen=True)
class Connection:
    """One organisation (tenant) the token may use; `id` is what DELETE /connections/{id} takes."""

    id: str
    tenant_id: str
    tenant_type: str
    tenant_name: str
    created_at: datetime | None
    updated_at: datetime | None
    auth_event_id: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Connection:
        return cls(
            id=data["id"],
            tenant_id=data["tenantId"],
            tenant_type=data.get("tenantType") or "",
            tenant_name=data.get("tenantName") or "",
            created_at=parse_datetime(data.get("createdDateUtc")),
            updated_at=parse_datetime(data.get("updatedDateUtc")),
            auth_event_id=data.get("authEventId"),
        )
