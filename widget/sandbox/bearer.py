"""Who is calling: the Bearer token of an API request, checked the way Xero answers."""

from flask import request

from widget.sandbox.blueprint import sandbox
from widget.sandbox.grants import AccessGrant
from widget.sandbox.problems import unauthorized


def current_grant() -> AccessGrant:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("AuthenticationUnsuccessful")
    found = sandbox().grants.authenticate(token.strip())
    if found == "invalid":
        raise unauthorized("AuthenticationUnsuccessful")
    if isinstance(found, str):
        raise unauthorized(f"TokenExpired: token expired at {found}")
    return found
