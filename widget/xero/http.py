"""The one way bytes go to Xero: a requests Session with our User-Agent, a timeout on every call,
transport failures as XeroUnavailable, and one structured log line per call (never a token).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from urllib.parse import quote, urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter

from widget.xero.errors import XeroRequestError, XeroUnavailable

USER_AGENT = "xero-crm-widget/0.1 (Xero sidebar widget for CRMs; python-requests)"

log = logging.getLogger("widget.xero")


def make_session() -> requests.Session:
    """A Session that never retries by itself: only the client decides what is safe to resend."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept"] = "application/json"
    for prefix in ("http://", "https://"):
        session.mount(prefix, HTTPAdapter(max_retries=0))
    return session


def query_string(params: Mapping[str, object]) -> str:
    """Percent-encoded query (spaces %20, `+` %2B, `"` %22); None values are left out."""
    pairs = [(key, _query_value(value)) for key, value in params.items() if value is not None]
    return urlencode(pairs, safe=",", quote_via=quote)


def _query_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def with_query(url: str, params: Mapping[str, object] | None) -> str:
    query = query_string(params or {})
    return f"{url}?{query}" if query else url


def log_call(
    method: str,
    url: str,
    status: int | None,
    started: float,
    tenant_id: str | None,
    error: str | None = None,
) -> None:
    """One line per call: method, path (no query: it may hold emails), status, ms, tenant."""
    fields = {
        "xero_method": method,
        "xero_path": urlsplit(url).path,
        "xero_status": status,
        "xero_ms": round((time.perf_counter() - started) * 1000, 1),
        "xero_tenant": tenant_id,
    }
    if error:
        fields["xero_error"] = error
    level = (
        logging.INFO if status is not None and status < 500 and status != 429 else logging.WARNING
    )
    log.log(level, "xero call", extra={"fields": fields})


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    data: bytes | None = None,
    tenant_id: str | None = None,
) -> requests.Response:
    """Send one request and return Xero's answer whatever its status; transport errors raise."""
    started = time.perf_counter()
    try:
        response = session.request(
            method,
            url,
            headers=dict(headers or {}),
            data=data,
            timeout=(timeout, timeout),
            allow_redirects=False,
        )
    except requests.Timeout as exc:
        log_call(method, url, None, started, tenant_id, "timeout")
        raise XeroUnavailable(f"Xero did not answer within {timeout:g}s") from exc
    except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema) as exc:
        log_call(method, url, None, started, tenant_id, "invalid url")
        raise XeroRequestError("invalid Xero URL") from exc
    except requests.RequestException as exc:
        log_call(method, url, None, started, tenant_id, type(exc).__name__)
        raise XeroUnavailable(f"could not reach Xero ({type(exc).__name__})") from exc
    log_call(method, url, response.status_code, started, tenant_id)
    return response
