"""Faults switched on per organisation, kept in the sandbox database so that tests, the CLI and a
benchmark (other processes) can change how a running server misbehaves.

- latency_ms: every Accounting call waits this long first.
- error_rate (0..1) with seed: that share of calls answers 500 or 503, chosen by a random stream
  seeded with (seed, call number) so a run can be repeated exactly.
- force_429: the next N calls (-1: every call) answer 429 with the given problem.
- revoked: the organisation's connections act revoked (API 403, refresh invalid_grant).
- commit_then_fail ("500", "503" or "timeout") for the next N writes (-1: all): the document is
  created (and remembered under its Idempotency-Key) but the caller gets an error, or the answer
  only after timeout_ms, past its deadline.
"""

import random
from dataclasses import dataclass

from sqlalchemy import delete

from widget.sandbox.models import Fault

PROBLEMS = ("minute", "day", "concurrent", "appminute")
FAILURES = ("500", "503", "timeout")


@dataclass(frozen=True)
class CallFaults:
    """What to do to one call, decided before it runs."""

    latency_ms: int = 0
    error_status: int | None = None
    rate_limit_problem: str | None = None


@dataclass(frozen=True)
class WriteFailure:
    kind: str  # "500" | "503" | "timeout"
    delay_ms: int


class Faults:
    def __init__(self, sandbox):
        self._sandbox = sandbox

    def _tenant(self, org: str) -> str:
        return self._sandbox.find_org(org).tenant_id

    def set(self, org: str, **settings) -> dict:
        """Switch faults on for an organisation (tenant id or name); returns its settings.

        Keywords: latency_ms, error_rate, seed, force_429, force_429_problem, revoked,
        commit_then_fail, commit_then_fail_count, timeout_ms.
        """
        _check(settings)
        tenant_id = self._tenant(org)
        with self._sandbox.sessions() as session, session.begin():
            row = session.get(Fault, tenant_id, with_for_update=True) or _new_row(tenant_id)
            session.add(row)
            for name, value in settings.items():
                setattr(row, name, value)
            if "commit_then_fail" in settings and "commit_then_fail_count" not in settings:
                row.commit_then_fail_count = -1 if settings["commit_then_fail"] else 0
            return _as_dict(row)

    def clear(self, org: str | None = None) -> None:
        """No faults for the organisation (or for every organisation)."""
        self._sandbox.ensure_ready()
        with self._sandbox.sessions() as session, session.begin():
            query = delete(Fault)
            if org is not None:
                query = query.where(Fault.tenant_id == self._tenant(org))
            session.execute(query)

    def get(self, org: str) -> dict:
        tenant_id = self._tenant(org)
        with self._sandbox.sessions() as session:
            row = session.get(Fault, tenant_id)
            return _as_dict(row or _new_row(tenant_id))

    def is_revoked(self, tenant_id: str) -> bool:
        with self._sandbox.sessions() as session:
            row = session.get(Fault, tenant_id)
            return bool(row and row.revoked)

    def for_call(self, tenant_id: str) -> CallFaults:
        """Decide this call's faults (and count it, for the error stream and forced 429s)."""
        with self._sandbox.sessions() as session, session.begin():
            row = session.get(Fault, tenant_id, with_for_update=True)
            if row is None:
                return CallFaults()
            row.calls += 1
            if row.force_429:
                if row.force_429 > 0:
                    row.force_429 -= 1
                return CallFaults(row.latency_ms, None, row.force_429_problem or "minute")
            status = None
            if row.error_rate > 0:
                stream = random.Random(f"{row.seed}:{row.calls}")
                if stream.random() < row.error_rate:
                    status = 500 if stream.random() < 0.5 else 503
            return CallFaults(row.latency_ms, status, None)

    def for_write(self, tenant_id: str) -> WriteFailure | None:
        """Whether a write that just committed should fail on the way back."""
        with self._sandbox.sessions() as session, session.begin():
            row = session.get(Fault, tenant_id, with_for_update=True)
            if row is None or not row.commit_then_fail or row.commit_then_fail_count == 0:
                return None
            if row.commit_then_fail_count > 0:
                row.commit_then_fail_count -= 1
            return WriteFailure(row.commit_then_fail, row.timeout_ms or 0)


_DEFAULTS = {
    "latency_ms": 0,
    "error_rate": 0.0,
    "seed": 0,
    "calls": 0,
    "force_429": 0,
    "force_429_problem": "minute",
    "revoked": False,
    "commit_then_fail": None,
    "commit_then_fail_count": 0,
    "timeout_ms": 0,
}


def _new_row(tenant_id: str) -> Fault:
    return Fault(tenant_id=tenant_id, **_DEFAULTS)


def _as_dict(row: Fault) -> dict:
    return {"tenant_id": row.tenant_id} | {name: getattr(row, name) for name in _DEFAULTS}


def _check(settings: dict) -> None:
    unknown = set(settings) - set(_DEFAULTS) - {"calls"}
    if unknown:
        raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
    rate = settings.get("error_rate")
    if rate is not None and not 0 <= rate <= 1:
        raise ValueError("error_rate must be between 0 and 1")
    problem = settings.get("force_429_problem")
    if problem is not None and problem not in PROBLEMS:
        raise ValueError(f"force_429_problem must be one of {', '.join(PROBLEMS)}")
    failure = settings.get("commit_then_fail")
    if failure is not None and failure not in FAILURES:
        raise ValueError(f"commit_then_fail must be one of {', '.join(FAILURES)}")
    for name in ("latency_ms", "timeout_ms"):
        if settings.get(name) is not None and settings[name] < 0:
            raise ValueError(f"{name} must not be negative")
