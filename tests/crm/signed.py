"""Sending signed server-to-server requests as a CRM would (for the tests in this folder)."""

import json
from datetime import timedelta

from widget.auth.clock import utcnow
from widget.crm.signing import signed_headers

#: signatures are single use and timestamps are whole seconds: a CRM sending the very same
#: request twice in one second is refused as a replay, so each call here signs a second later
_calls = {"count": 0}


def next_second():
    _calls["count"] = (_calls["count"] + 1) % 240
    return utcnow() + timedelta(seconds=_calls["count"] - 120)


def signed_put(client, tenant, path, payload, *, secret=None, workspace=None, now=None, body=None):
    """PUT `payload` as JSON, signed with the tenant's secret (or another), at `now`."""
    now = now or next_second()
    raw = body if body is not None else json.dumps(payload).encode()
    headers = signed_headers(
        workspace or tenant.id, secret or tenant.secret, "PUT", path, raw, now=now
    )
    headers["Content-Type"] = "application/json"
    return client.put(path, data=raw, headers=headers)
