"""Where Xero is: its real hosts, or the sandbox's mirror of them, decided by configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from widget.config import xero_host_base


@dataclass(frozen=True)
class XeroEndpoints:
    authorize_url: str
    token_url: str
    revocation_url: str
    connections_url: str
    api_url: str  # the Accounting API root, …/api.xro/2.0

    @classmethod
    def from_config(cls, config: Mapping, request_root: str | None = None) -> XeroEndpoints:
        """Real Xero when XERO_CLIENT_ID/SECRET are set, else the sandbox (at XERO_SANDBOX_URL,
        or under `request_root`, the URL root of the request being served)."""
        settings = {key: config.get(key) for key in ("XERO_USE_SANDBOX", "XERO_SANDBOX_URL")}
        login = xero_host_base(settings, "login.xero.com", request_root)
        identity = xero_host_base(settings, "identity.xero.com", request_root)
        api = xero_host_base(settings, "api.xero.com", request_root)
        return cls(
            authorize_url=f"{login}/identity/connect/authorize",
            token_url=f"{identity}/connect/token",
            revocation_url=f"{identity}/connect/revocation",
            connections_url=f"{api}/connections",
            api_url=f"{api}/api.xro/2.0",
        )
