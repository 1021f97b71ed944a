"""What can go wrong when talking to Xero, as exceptions the rest of the app can act on.

Each class answers one question for the caller: show the user a field message (validation), wait
(rate limited), ask an admin to reconnect (needs re-authorisation), say "gone" (not found), retry
later (unavailable), or fix our code (request error). Messages never contain tokens.
"""

from __future__ import annotations

from typing import Any


class XeroError(Exception):
    """Base of every Xero failure; `status` is the HTTP status when Xero answered at all."""

    def __init__(self, message: str, *, status: int | None = None, body: Any = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body


class XeroValidationError(XeroError):
    """Xero refused a document (HTTP 400 ValidationException).

    `messages` are all of Xero's messages in order; `field_errors` maps the fields they could be
    tied to (e.g. "LineItems[0].AccountCode", "DueDate", "Contact") to their messages, and
    `general_errors` holds the rest. `body` is the parsed response body, kept for diagnosis.
    """

    def __init__(
        self,
        messages: list[str],
        field_errors: dict[str, list[str]],
        general_errors: list[str],
        *,
        status: int | None = 400,
        body: Any = None,
    ):
        super().__init__(
            "Xero refused the document: " + "; ".join(messages), status=status, body=body
        )
        self.messages = messages
        self.field_errors = field_errors
        self.general_errors = general_errors


class XeroRequestError(XeroError):
    """Xero could not make sense of what we sent (a malformed `where`, a bad parameter): our bug."""


class XeroRateLimited(XeroError):
    """Xero answered 429; wait `retry_after` seconds. `problem` says which limit was hit."""

    def __init__(
        self, retry_after: int, problem: str | None, *, status: int | None = 429, body: Any = None
    ):
        which = f"{problem} " if problem else ""
        super().__init__(
            f"Xero {which}rate limit reached; retry after {retry_after}s", status=status, body=body
        )
        self.retry_after = retry_after
        self.problem = problem


class XeroNeedsReauthorisation(XeroError):
    """The connection cannot be used until an admin connects Xero again.

    Raised for a dead refresh token (invalid_grant), a 401 a refresh cannot fix, and 403
    (e.g. AuthenticationUnsuccessful: the organisation is no longer connected to this app).
    """


class XeroNotFound(XeroError):
    """The document or connection does not exist (or not in this organisation)."""


class XeroUnavailable(XeroError):
    """Xero could not be reached or failed (timeout, connection error, 5xx): try again later."""
