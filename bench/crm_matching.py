"""Benchmark of bulk matching: N CRM contacts against an organisation's mirrored Xero contacts.

Run: `.venv/bin/python -m bench.crm_matching [--crm 5000] [--scale 1]` (the default: the large
sandbox organisation; about 6 minutes, nearly all of it the first sync, paced inside Xero's
60-a-minute limit), or `... --generated [--contacts 10000] [--database-url URL]` (generated
rows; seconds).

- Default (issue 11's figure): `flask sandbox seed --size large` (~10,000 contacts), a workspace
  connected to it and its first sync run to completion (bench.large_org, bench.sync's steps; the
  sync's duration is printed before the summary, not part of it). The CRM contacts are drawn from
  the mirrored contacts: exact emails, contact persons' emails, names with typos, company names
  (with a free-mail address), and people Xero does not know; they arrive as the CRM's PUT
  /api/crm/contacts stores them (checked by widget.crm.rows, batches of 1,000 through
  widget.crm.store, audited). SQLite in a temporary folder. The seeded people's emails repeat
  (40 first names x 40 last names x 5 mail providers; companies' accounts@ addresses too), and an
  email found on several Xero contacts is "likely", not "exact": fewer exact matches than drawn.
- `--generated`: the mirror is filled as bench.mirror_search fills it (people and companies,
  contact persons, some archived) and the CRM contacts drawn from the same people (a temporary
  SQLite database by default; a PostgreSQL URL gets a schema of its own, dropped afterwards).
Timed in both: the whole matching as the admin's "Find matches" runs it (widget.crm.review.run:
read both sides, match, store every proposal, commit), then "Accept all exact matches" (links,
each audited).
Last line: `crm_matching: crm=N xero=M seconds=S exact=E likely=L none=U accept_exact_seconds=A`.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

from bench.large_org import mirror_large_org
from bench.mirror_search import _database, _write_contacts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crm", type=int, default=5_000)
    parser.add_argument("--generated", action="store_true", help="generated mirror rows instead")
    parser.add_argument("--contacts", type=int, default=10_000, help="--generated: Xero contacts")
    parser.add_argument("--database-url", default=None, help="--generated: database")
    parser.add_argument("--scale", type=float, default=1.0, help="large org size (0.01: tiny)")
    args = parser.parse_args()
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    with tempfile.TemporaryDirectory(prefix="bench-matching-") as folder:
        if not args.generated:
            _run_large(Path(folder), args.crm, args.scale)
            return
        url, cleanup = _database(args.database_url, Path(folder))
        try:
            _run_generated(url, Path(folder), args.crm, args.contacts)
        finally:
            cleanup()


# --- the large sandbox organisation (the default) ------------------------------------------------


def _run_large(folder: Path, crm_count: int, scale: float) -> None:
    from widget.crm import review
    from widget.db import get_session

    org = mirror_large_org(folder, scale)
    print(
        f"first sync: {org.documents:,} documents in {org.first_sync_seconds:.1f} s, "
        f"{org.retries} pauses for Xero's limits (not part of the matching figure)",
        flush=True,
    )
    with org.app.app_context():
        session = get_session()
        scope = review.scope_of(session, org.workspace_id)  # CannotMatch unless the mirror is ready
        xero = _mirrored_contacts(session, scope)
        pushed = _push(session, scope.workspace_id, _drawn(xero, crm_count, random.Random(11)))
        print(f"pushed {pushed:,} CRM contacts drawn from {len(xero):,} active Xero contacts")
        figures = _timed(session, scope)
    org.app.extensions["db_engine"].dispose()
    _report(crm_count, _mirror_size(org), figures)


def _mirrored_contacts(session, scope) -> list:
    """The mirror's active contacts (archived and merged ones are never proposed)."""
    from sqlalchemy import select

    from widget.mirror.models import MirrorContact
    from widget.suggest import INACTIVE_STATUSES

    query = select(MirrorContact).where(
        MirrorContact.workspace_id == scope.workspace_id,
        MirrorContact.tenant_id == scope.tenant_id,
        MirrorContact.merged_to_contact_id.is_(None),
    )
    rows = [row for row in session.scalars(query) if row.contact_status not in INACTIVE_STATUSES]
    return sorted(rows, key=lambda row: row.contact_id)


def _typo(name: str, rng: random.Random) -> str:
    """One letter dropped from the last word (a typo a person makes), or one added if short."""
    words = name.split()
    last = words[-1]
    if len(last) > 4:
        at = rng.randrange(1, len(last) - 1)
        words[-1] = last[:at] + last[at + 1 :]
    else:
        words[-1] = last + "e"
    return " ".join(words)


def _drawn(xero: list, count: int, rng: random.Random) -> list[dict]:
    """`count` contacts as a CRM would send them (API items), drawn from the mirrored ones:
    30% the same email, 10% a contact person's email, 20% a name with a typo and no email,
    10% someone at a Xero company (company name, free-mail email), 30% unknown to Xero."""
    emailed = [c for c in xero if c.email_address]
    persons = [(c, p) for c in xero for p in c.contact_persons or [] if p.get("email_address")]
    companies = [c for c in xero if c.contact_persons]
    items = []
    for n in range(count):
        kind = n % 10
        if kind < 3:
            contact = rng.choice(emailed)
            item = {"name": contact.name, "email": contact.email_address.upper()}
        elif kind < 4 and persons:
            company, person = rng.choice(persons)
            item = {
                "first_name": person.get("first_name") or "",
                "last_name": person.get("last_name") or "",
                "email": person["email_address"],
                "company": company.name,
            }
        elif kind < 6:
            item = {"name": _typo(rng.choice(xero).name, rng), "email": ""}
        elif kind < 7 and companies:
            company = rng.choice(companies)
            item = {"name": f"Buyer {n}", "email": f"buyer{n}@gmail.com", "company": company.name}
        else:
            item = {"name": f"Unknown Person {n}", "email": f"unknown{n}@nowhere{n}.test"}
        items.append({"id": f"crm-{n}", **item})
    return items


def _push(session, workspace_id: str, items: list[dict]) -> int:
    """Stored as PUT /api/crm/contacts stores them: checked, upserted 1,000 at a time, audited."""
    from widget.auth import audit
    from widget.crm import rows
    from widget.crm.store import save, upsert_contacts

    contacts, errors = rows.check_all(items, rows.contact_row)
    if errors:
        raise RuntimeError(f"the drawn contacts were refused: {errors[:3]}")
    for start in range(0, len(contacts), 1_000):
        batch = contacts[start : start + 1_000]

        def attempt(batch=batch):
            counts = upsert_contacts(session, workspace_id, batch, source="api")
            audit.record(
                session, workspace_id, None, "crm.contacts.push", "CRM (server-to-server)",
                **counts.as_json(),
            )  # fmt: skip
            return counts

        save(session, attempt)
    return len(contacts)


def _mirror_size(org) -> int:
    from sqlalchemy import func, select

    from widget.db import get_session
    from widget.mirror.models import MirrorContact

    with org.app.app_context():
        query = select(func.count()).select_from(MirrorContact)
        return get_session().scalar(
            query.where(
                MirrorContact.workspace_id == org.workspace_id,
                MirrorContact.tenant_id == org.tenant_id,
            )
        )


# --- generated mirror rows (--generated) ---------------------------------------------------------


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


def _run_generated(url: str, folder: Path, crm_count: int, count: int) -> None:
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
        figures = _timed(session, review.Scope(workspace.id, "bench-tenant"))
    app.extensions["db_engine"].dispose()
    _report(crm_count, count + 1, figures)


# --- the timed part, the same in both modes ------------------------------------------------------


def _timed(session, scope) -> dict:
    """ "Find matches" (review.run, committed), then "Accept all exact matches" (committed)."""
    from widget.crm import review

    started = time.perf_counter()
    counts = review.run(session, scope, None)
    session.commit()
    seconds = time.perf_counter() - started

    started = time.perf_counter()
    linked = review.accept_all_exact(session, scope, None)
    session.commit()
    accept_seconds = time.perf_counter() - started
    return {"counts": counts, "seconds": seconds, "linked": linked, "accept": accept_seconds}


def _report(crm_count: int, xero_count: int, figures: dict) -> None:
    counts = figures["counts"]
    print(f"linked {figures['linked']} exact matches")
    print(
        f"crm_matching: crm={crm_count} xero={xero_count} seconds={figures['seconds']:.1f} "
        f"exact={counts['exact']} likely={counts['likely']} none={counts['none']} "
        f"accept_exact_seconds={figures['accept']:.1f}"
    )


if __name__ == "__main__":
    main()
