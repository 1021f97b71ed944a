"""Benchmark of bulk matching: N CRM contacts against an organisation's mirrored Xero contacts.

Run: `.venv/bin/python -m bench.crm_matching [--crm 5000] [--contacts 10000] [--database-url URL]`
(a temporary SQLite database by default; a PostgreSQL URL gets a schema of its own, dropped
afterwards). The mirror is filled as bench.mirror_search fills it (people and companies, contact
persons, some archived); the CRM contacts are drawn from the same people: exact emails, contact
persons' emails, names with typos, company names, and people Xero does not know. Timed: the whole
matching as the admin's "Find matches" runs it (widget.crm.review.run: read both sides, match,
store every proposal, commit), then "Accept all exact matches" (links, each audited).
Last line: `crm_matching: crm=N xero=M seconds=S exact=E likely=L none=U accept_exact_seconds=A`.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

from bench.mirror_search import _database, _write_contacts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crm", type=int, default=5_000)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    with tempfile.TemporaryDirectory() as folder:
        url, cleanup = _database(args.database_url, Path(folder))
        try:
            _run(url, Path(folder), args.crm, args.contacts)
        finally:
            cleanup()


def _crm_rows(workspace_id: str, people: list[tuple], count: int, rng: random.Random) -> list:
    from widget.auth.clock import utcnow
    from widget.crm.models import CrmContact

    now, rows = utcnow(), []
    for n in range(count):
        first, last, email = rng.choice(people)
        kind = n % 10
        if kind < 4:  # the same email
            values = {"name": f"{first} {last}", "email": email.upper()}
        elif kind < 6:  # a typo in the name, no email
            values = {"name": f"{first} {last}e", "email": ""}
        elif kind < 7:  # the same name, another (free-mail) email
            values = {"name": f"{last}, {first}", "email": f"{first}{n}@gmail.com"}
        else:  # someone Xero does not know
            values = {"name": f"Unknown Person {n}", "email": f"unknown{n}@nowhere{n}.test"}
        rows.append(
            CrmContact(
                workspace_id=workspace_id, crm_id=f"crm-{n}", first_name="", last_name="",
                company="", source="api", created_at=now, updated_at=now, **values,
            )
        )  # fmt: skip
    return rows


def _run(url: str, folder: Path, crm_count: int, count: int) -> None:
    from widget import create_app
    from widget.auth.workspaces import create_workspace
    from widget.crm import review
    from widget.db import get_session, migrate
    from widget.mirror import read

    app = create_app(
        {
            "DATABASE_URL": url,
            "SANDBOX_DATABASE_URL": f"sqlite:///{folder / 'sandbox.sqlite3'}",
            "SECRET_KEY": "bench",
            "TOKEN_ENCRYPTION_KEYS": "Y2hhbmdlLW1lLXRoaXMtaXMtYS10ZXN0LWtleS0zMmI=",
        }
    )
    migrate(app)
    rng = random.Random(11)
    with app.app_context():
        session = get_session()
        workspace, _secret = create_workspace(session, "Bench", ["https://crm.example"], None)
        session.commit()
        people = _write_contacts(
            session, read.MirrorScope(workspace.id, "bench-tenant"), count, rng
        )
        session.add_all(_crm_rows(workspace.id, people, crm_count, rng))
        session.commit()
        scope = review.Scope(workspace.id, "bench-tenant")

        started = time.perf_counter()
        counts = review.run(session, scope, None)
        session.commit()
        seconds = time.perf_counter() - started

        started = time.perf_counter()
        linked = review.accept_all_exact(session, scope, None)
        session.commit()
        accept_seconds = time.perf_counter() - started
    app.extensions["db_engine"].dispose()
    print(f"linked {linked} exact matches")
    print(
        f"crm_matching: crm={crm_count} xero={count + 1} seconds={seconds:.1f} "
        f"exact={counts['exact']} likely={counts['likely']} none={counts['none']} "
        f"accept_exact_seconds={accept_seconds:.1f}"
    )


if __name__ == "__main__":
    main()
