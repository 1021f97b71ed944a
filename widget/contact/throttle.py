"""Waiting as Xero says: after a 429, no call goes to that organisation until Retry-After passes.

The hold is stored in the panel cache (so a shared cache would share it between workers), under a
scope per Xero organisation: the limits are the organisation's, whichever workspace hit them. It
holds only a time, never data, so it can be shared without crossing workspaces.
"""

import math

from widget.cache import Cache, CacheScope
from widget.xero import XeroRateLimited

KEY = "xero:retry-at"
#: the scope holding an organisation's hold: workspace ids never contain "~" (WORKSPACE_ID)
LIMITS_WORKSPACE = "~xero-limits~"
#: Xero sometimes omits Retry-After; wait this long rather than not at all
DEFAULT_WAIT_SECONDS = 60
MAX_WAIT_SECONDS = 24 * 60 * 60


class WaitingForXero(XeroRateLimited):
    """Raised instead of calling Xero while an earlier 429's wait is still running."""


def _scope(tenant_id: str) -> CacheScope:
    return CacheScope(LIMITS_WORKSPACE, tenant_id)


def check(cache: Cache, tenant_id: str) -> None:
    """Raise WaitingForXero (with the seconds left) while the organisation is on hold."""
    entry = cache.get(_scope(tenant_id), KEY)
    if entry is None:
        return
    left = entry.value["until"] - cache.now()
    if left > 0:
        raise WaitingForXero(max(1, math.ceil(left)), entry.value.get("problem"))


def hold(cache: Cache, tenant_id: str, retry_after: int | None, problem: str | None) -> int:
    """Put the organisation on hold for Xero's Retry-After (bounded); returns the seconds."""
    seconds = retry_after if retry_after and retry_after > 0 else DEFAULT_WAIT_SECONDS
    seconds = min(seconds, MAX_WAIT_SECONDS)
    until = cache.now() + seconds
    cache.set(_scope(tenant_id), KEY, {"until": until, "problem": problem}, ttl=seconds)
    return seconds
