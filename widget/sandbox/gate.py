"""What every Accounting API call goes through, in Xero's order: the Bearer token (401), the
tenant (403) and scopes (401), the organisation's limits (429, and the X-*Limit-Remaining headers),
injected faults, Idempotency-Key on writes, and "commit then fail" after a write.
"""

import time
from functools import wraps

from flask import request

from widget.sandbox.bearer import current_grant
from widget.sandbox.blueprint import sandbox
from widget.sandbox.faults import WriteFailure
from widget.sandbox.grants import AccessGrant
from widget.sandbox.idempotency import request_hash, run_once
from widget.sandbox.limits import RateLimited, Remaining
from widget.sandbox.problems import XeroProblem, forbidden, problem, unauthorized

#: Scopes that allow reading (and, second, writing) each family of endpoints.
SCOPES = {
    "contacts": (
        {"accounting.contacts", "accounting.contacts.read"},
        {"accounting.contacts"},
    ),
    "transactions": (
        {
            "accounting.transactions",
            "accounting.transactions.read",
            "accounting.invoices",
            "accounting.invoices.read",
        },
        {"accounting.transactions", "accounting.invoices"},
    ),
    "settings": (
        {"accounting.settings", "accounting.settings.read"},
        {"accounting.settings"},
    ),
}
SCOPES["items"] = (SCOPES["transactions"][0] | SCOPES["settings"][0], set())


def current_tenant(grant: AccessGrant) -> str:
    tenant_id = request.headers.get("xero-tenant-id", "").strip().lower()
    if not tenant_id or tenant_id not in grant.tenant_ids:
        raise forbidden()
    if sandbox().faults.is_revoked(tenant_id):
        raise forbidden()
    return tenant_id


def _check_scopes(grant: AccessGrant, family: str, write: bool) -> None:
    allowed = SCOPES[family][1 if write else 0]
    if not grant.scopes & allowed:  # Xero: 401, not 403, for a scope the token lacks
        raise unauthorized("AuthorizationUnsuccessful")


def _too_many(problem_kind: str, retry_after: int, remaining: Remaining):
    headers = remaining.headers() | {"X-Rate-Limit-Problem": problem_kind}
    if problem_kind != "concurrent":  # Xero sends no Retry-After for the concurrent limit
        headers["Retry-After"] = str(retry_after)
    return problem(429, "Too Many Requests", f"Rate limit exceeded: {problem_kind}", headers)


def accounting(family: str, write: bool = False):
    """Decorate an Accounting API view; the view receives `tenant_id` as its first argument."""

    def decorate(view):
        @wraps(view)
        def gated(*args, **kwargs):
            grant = current_grant()
            tenant_id = current_tenant(grant)
            _check_scopes(grant, family, write)
            box = sandbox()
            faults = box.faults.for_call(tenant_id)
            if faults.rate_limit_problem:
                raise _too_many(faults.rate_limit_problem, 1, box.limits.peek(tenant_id))
            try:
                remaining = box.limits.acquire(tenant_id)
            except RateLimited as limited:
                raise _too_many(limited.problem, limited.retry_after, limited.remaining) from None
            try:
                if faults.latency_ms:
                    time.sleep(faults.latency_ms / 1000)
                if faults.error_status:
                    raise _server_error(faults.error_status)
                response = _run(box, tenant_id, write, lambda: view(tenant_id, *args, **kwargs))
            except XeroProblem as exc:
                response = exc.response
            finally:
                box.limits.release(tenant_id)
            response.headers.update(remaining.headers())
            return response

        return gated

    return decorate


def _run(box, tenant_id: str, write: bool, call):
    if not write:
        return call()
    key = request.headers.get("Idempotency-Key")
    if key is None:
        response = call()
    else:
        fingerprint = request_hash(request.method, request.full_path, request.get_data())
        response = run_once(box, tenant_id, key, fingerprint, call)
    if response.status_code == 200:
        failure = box.faults.for_write(tenant_id)
        if failure:
            return _fail_after_commit(failure, response)
    return response


def _fail_after_commit(failure: WriteFailure, response):
    if failure.kind == "timeout":
        time.sleep(failure.delay_ms / 1000)
        return response
    raise _server_error(int(failure.kind))


def _server_error(status: int) -> XeroProblem:
    if status == 503:
        return problem(503, "Service Unavailable", "The Xero API is temporarily unavailable")
    return problem(500, "Internal Server Error", "An unexpected error occurred")
