"""Xero's HTTP answers turned into data or into the exceptions of `errors`.

One place knows what each status and body means, so the client and the OAuth flow agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from widget.xero.errors import (
    XeroError,
    XeroNeedsReauthorisation,
    XeroNotFound,
    XeroRateLimited,
    XeroRequestError,
    XeroUnavailable,
)
from widget.xero.limits import rate_limit_problem
from widget.xero.money import loads
from widget.xero.validation import validation_error

DEFAULT_RETRY_AFTER = 60  # seconds, when a 429 does not say (Xero's minute window)
VALIDATION_ERROR_NUMBER = 10
QUERY_PARSE_ERROR_NUMBER = 16


def body_of(response: requests.Response) -> Any:
    """The parsed JSON body (Decimal floats), the text when it is not JSON, None when empty."""
    if not response.content:
        return None
    try:
        return loads(response.content)
    except ValueError:
        return response.text[:2000]


def retry_after(response: requests.Response) -> int:
    raw = (response.headers.get("Retry-After") or "").strip()
    if raw.isdigit():
        return int(raw)
    if raw:
        try:
            when = parsedate_to_datetime(raw)
            return max(0, int((when - datetime.now(UTC)).total_seconds()))
        except (TypeError, ValueError):
            pass
    return DEFAULT_RETRY_AFTER


def _detail(body: Any) -> str:
    """Xero's own words for a failure, from whichever of its error shapes it used."""
    if isinstance(body, dict):
        for key in (
            "Detail",
            "detail",
            "Message",
            "message",
            "error_description",
            "error",
            "Title",
        ):
            value = body.get(key)
            if value:
                return str(value)
        return ""
    return str(body or "")[:200]


def is_token_expired(response: requests.Response, body: Any) -> bool:
    """A 401 that a refresh fixes: Xero's Detail starts `TokenExpired:`."""
    if response.status_code != 401:
        return False
    if _detail(body).lower().startswith("tokenexpired"):
        return True
    return "expired" in response.headers.get("WWW-Authenticate", "").lower()


def error_for(
    response: requests.Response,
    body: Any,
    *,
    document: str | None = None,
    sent: dict | None = None,
) -> XeroError:
    """The exception for a failed (non-2xx) response from the Accounting or identity API."""
    status = response.status_code
    detail = _detail(body)
    if status == 400 and isinstance(body, dict):
        number = body.get("ErrorNumber")
        kind = body.get("Type") or ""
        if number == VALIDATION_ERROR_NUMBER or kind == "ValidationException":
            return validation_error(body, document or "", sent)
        if number == QUERY_PARSE_ERROR_NUMBER or kind == "QueryParseException":
            return XeroRequestError(
                f"Xero could not parse our query: {detail}", status=400, body=body
            )
        if body.get("error") == "invalid_grant":
            return XeroNeedsReauthorisation(
                "Xero refused the grant (invalid_grant)", status=400, body=body
            )
    if status == 401:
        return XeroNeedsReauthorisation(
            f"Xero refused the access token: {detail}", status=401, body=body
        )
    if status == 403:
        return XeroNeedsReauthorisation(
            f"Xero refused access to the organisation: {detail}", status=403, body=body
        )
    if status == 404:
        return XeroNotFound(
            f"Xero found nothing at {response.request.path_url.split('?')[0]}",
            status=404,
            body=body,
        )
    if status == 429:
        return XeroRateLimited(
            retry_after(response), rate_limit_problem(response.headers), body=body
        )
    if status >= 500:
        return XeroUnavailable(
            f"Xero failed with HTTP {status}: {detail}", status=status, body=body
        )
    return XeroRequestError(
        f"Xero refused the request with HTTP {status}: {detail}", status=status, body=body
    )


def element_errors(body: dict, key: str) -> bool:
    """Whether a 200 answer to a PUT still carries validation errors (summarizeErrors=false)."""
    for entry in body.get(key) or ():
        if isinstance(entry, dict) and (
            entry.get("HasValidationErrors")
            or entry.get("HasErrors")
            or entry.get("ValidationErrors")
            or entry.get("StatusAttributeString") == "ERROR"
        ):
            return True
    return False
