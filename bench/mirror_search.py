"""Benchmark of search and suggestions over an organisation's mirrored contacts.

Run: `.venv/bin/python -m bench.mirror_search [--contacts 10000] [--database-url URL]`
(a temporary SQLite database by default; e.g. `postgresql://127.0.0.1:5432/test` for PostgreSQL:
it uses a schema of its own and drops it afterwards).

It writes N deterministic contacts (people and companies, some with contact persons, a few
archived or merged) into the mirror tables, then times what a panel does for one search box
keystroke or one suggestion list: narrow the candidates in SQL (widget.mirror.read) and rank them
in Python (widget.suggest). Typed terms include exact emails, names, word prefixes and typos.
Last line: `mirror_search: contacts=N search_p50_ms=A search_p95_ms=B suggest_p50_ms=C
suggest_p95_ms=D`.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

FIRST = [
    *[
        "Uma",
        "Jane",
        "John",
        "Aroha",
        "Mele",
        "Sam",
        "Kim",
        "Lee",
        "Priya",
        "Tane",
        "Ana",
        "Ben",
        "Chloe",
        "Dev",
        "Ella",
        "Finn",
        "Grace",
    ],
    *[
        "Hemi",
        "Isla",
        "Jack",
        "Kate",
        "Liam",
        "Mia",
        "Noah",
        "Olivia",
        "Pita",
        "Quinn",
        "Ruby",
        "Sione",
        "Tui",
        "Zoë",
        "José",
        "Zoe",
    ],
]
LAST = [
    *[
        "Patel",
        "Smith",
        "Ngata",
        "Williams",
        "Brown",
        "Taylor",
        "Wilson",
        "Nguyen",
        "Singh",
        "Walker",
        "Harris",
        "Clark",
    ],
    *[
        "Young",
        "King",
        "Wright",
        "Scott",
        "Green",
        "Baker",
        "Adams",
        "Nelson",
        "Hill",
        "Campbell",
        "Mitchell",
        "Roberts",
    ],
    *[
        "Carter",
        "Phillips",
        "Evans",
        "Turner",
        "Parker",
        "Collins",
        "Edwards",
        "Stewart",
        "Morris",
        "Murphy",
        "Müller",
    ],
]
TRADES = [
    *[
        "Widgets",
        "Logistics",
        "Plumbing",
        "Design",
        "Builders",
        "Consulting",
        "Foods",
        "Motors",
        "Legal",
        "Dental",
    ],
    *["Electrical", "Landscaping", "Print", "Media", "Software", "Travel"],
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    with tempfile.TemporaryDirectory() as folder:
        url, cleanup = _database(args.database_url, Path(folder))
        try:
            _run(url, Path(folder), args.contacts, args.rounds)
        finally:
            cleanup()


def _run(url: str, folder: Path, count: int, rounds: int) -> None:
    from widget import create_app
    from widget.auth.workspaces import create_workspace
    from widget.db import get_session, migrate
    from widget.mirror import read
    from widget.suggest import CrmContact, rank_search, suggest

    app = create_app(
        {
            "DATABASE_URL": url,
            "SANDBOX_DATABASE_URL": f"sqlite:///{folder / 'sandbox.sqlite3'}",
            "SECRET_KEY": "bench",
            "TOKEN_ENCRYPTION_KEYS": "Y2hhbmdlLW1lLXRoaXMtaXMtYS10ZXN0LWtleS0zMmI=",
        }
    )
    migrate(app)
    rng = random.Random(9)
    with app.app_context():
        session = get_session()
        workspace, _secret = create_workspace(session, "Bench", ["https://crm.example"], None)
        session.commit()
        scope = read.MirrorScope(workspace.id, "bench-tenant")
        people = _write_contacts(session, scope, count, rng)
        terms = _terms(people, rng)
        crms = [
            CrmContact(name=f"{f} {last}", email=email) for f, last, email in rng.sample(people, 50)
        ]
        search_ms = _timed(
            lambda term: rank_search(term, read.search_candidates(session, scope, term)),
            terms,
            rounds,
        )
        suggest_ms = _timed(
            lambda crm: suggest(crm, read.suggestion_candidates(session, scope, crm)), crms, rounds
        )
        found = rank_search("Uma Patele", read.search_candidates(session, scope, "Uma Patele"))
        print(f"'Uma Patele' finds first: {found[0].contact.name if found else None}")
    app.extensions["db_engine"].dispose()
    print(
        f"mirror_search: contacts={count} search_p50_ms={_p(search_ms, 50):.1f} "
        f"search_p95_ms={_p(search_ms, 95):.1f} suggest_p50_ms={_p(suggest_ms, 50):.1f} "
        f"suggest_p95_ms={_p(suggest_ms, 95):.1f}"
    )


def _write_contacts(session, scope, count: int, rng: random.Random) -> list[tuple]:
    from widget.mirror.models import MirrorContact
    from widget.suggest import email_key, name_key

    people: list[tuple] = []
    rows = []
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if n % 3 == 0:
            name = f"{last} {rng.choice(TRADES)} Ltd"
            email = f"accounts{n}@{last.lower()}{n}.co.nz"
            person_email = f"{first.lower()}{n}@{last.lower()}{n}.co.nz"
            persons = [{"first_name": first, "last_name": last, "email_address": person_email}]
        else:
            name, email, persons = (
                f"{first} {last}",
                f"{first.lower()}.{last.lower()}{n}@mail.test",
                [],
            )
            people.append((first, last, email))
        rows.append(
            MirrorContact(
                workspace_id=scope.workspace_id,
                tenant_id=scope.tenant_id,
                contact_id=str(uuid.UUID(int=rng.getrandbits(128))),
                name=name,
                first_name=first,
                last_name=last,
                email_address=email,
                name_key=name_key(name),
                email_key=email_key(email),
                contact_status="ARCHIVED" if n % 97 == 0 else "ACTIVE",
                is_customer=True,
                is_supplier=n % 5 == 0,
                contact_persons=persons,
            )  # fmt: skip
        )
    uma = ("Uma", "Patel", "uma@patel-design.co.nz")
    rows.append(
        MirrorContact(
            workspace_id=scope.workspace_id,
            tenant_id=scope.tenant_id,
            contact_id=str(uuid.UUID(int=rng.getrandbits(128))),
            name="Uma Patel",
            first_name="Uma",
            last_name="Patel",
            email_address=uma[2],
            name_key="uma patel",
            email_key=uma[2],
            contact_status="ACTIVE",
            is_customer=True,
            is_supplier=False,
            contact_persons=[],
        )  # fmt: skip
    )
    session.add_all(rows)
    session.commit()
    people.append(uma)
    return people


def _terms(people: list[tuple], rng: random.Random) -> list[str]:
    terms = []
    for first, last, email in rng.sample(people, 40):
        terms += [email, f"{first} {last}", last[:4], f"{first} {last}e", f"{first[:2]} {last[:3]}"]
    return terms + ["Uma Patele", "widgets", "patel-design", "zz"]


def _timed(work, inputs: list, rounds: int) -> list[float]:
    times = []
    for n in range(rounds):
        started = time.perf_counter()
        work(inputs[n % len(inputs)])
        times.append((time.perf_counter() - started) * 1000)
    return times


def _p(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    if percent == 50:
        return statistics.median(ordered)
    return ordered[min(len(ordered) - 1, int(len(ordered) * percent / 100))]


def _database(url: str | None, folder: Path):
    if not url:
        return f"sqlite:///{folder / 'widget.sqlite3'}", lambda: None
    schema = f"bench_mirror_{os.getpid()}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))

    def cleanup() -> None:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()

    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}", cleanup


if __name__ == "__main__":
    main()
