"""Refresh, bounded per user and per workspace (issue 12): a view member looping `?refresh=1`
must not spend the organisation's Xero budget, which other workspaces may share.

- one Refresh per user per `REFRESH_USER_MIN_SECONDS` (default 15);
- at most `REFRESH_WORKSPACE_PER_MINUTE` (default 20) Refreshes per workspace in a minute.
A refused Refresh still answers with the figures the panel has (cached, or the mirror's), and
says plainly when Refresh can be pressed again. The organisation's own minimum interval is the
mirror's (`widget.mirror.service.refresh_now`).

Counts live in the panel cache (per process in the default setup; a shared cache shares them),
under a scope per workspace; they hold times and counts only, never data.
"""

from __future__ import annotations

import math

from flask import current_app

from widget.cache import Cache, CacheScope

DEFAULTS = {"REFRESH_USER_MIN_SECONDS": 15, "REFRESH_WORKSPACE_PER_MINUTE": 20}
#: the tenant part of the scope holding a workspace's Refresh counts ("~" is never in a tenant id)
SCOPE_TENANT = "~refresh~"


def init_app(app) -> None:
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)


def claim(cache: Cache, workspace_id: str, user_id: str) -> int:
    """Count a Refresh for this user; 0 when it may go ahead, else the seconds to wait."""
    config = current_app.config
    scope = CacheScope(workspace_id, SCOPE_TENANT)
    now = cache.now()
    gap = float(config.get("REFRESH_USER_MIN_SECONDS", 15))
    user_key = f"user:{user_id}"
    last = cache.get(scope, user_key)
    if last is not None and now - last.value < gap:
        return max(1, math.ceil(gap - (now - last.value)))
    window = int(now // 60)
    workspace_key = f"minute:{window}"
    used = cache.get(scope, workspace_key)
    count = used.value if used is not None else 0
    limit = int(config.get("REFRESH_WORKSPACE_PER_MINUTE", 20))
    if count >= limit:
        return max(1, math.ceil((window + 1) * 60 - now))
    cache.set(scope, workspace_key, count + 1, ttl=60)
    if gap > 0:
        cache.set(scope, user_key, now, ttl=gap)
    return 0
