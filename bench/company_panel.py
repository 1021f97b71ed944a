"""Benchmark of the company and deal panels: Xero calls and bytes per cold and warm view.

Run: `.venv/bin/python -m bench.company_panel` (loopback only; about 10 seconds).

It starts gunicorn (1 worker, gthread) like `bench.contact_panel` (same app, same Xero meter where
the sandbox answers), connects a workspace to the sandbox's NZ organisation (`connect`: a
sandbox-granted consent stored as the callback stores it), links CRM people to Xero contacts
that have documents (straight in the database: linking is not what is measured), and measures
what a browser's panel view costs Xero:
- a company with 50 linked contacts: cold (figures not cached), warm (cached), Refresh;
- a second company of the organisation (open quotes shared with the first);
- a company with one linked contact;
- a deal (primary contact and two participants): cold, warm, and picking a document.
- a company with 200 linked contacts (every contact of the organisation, if it has fewer).
The panels are measured once the organisation mirror's first sync (queued by connecting) is
complete: before, the sync's own calls were counted as the panels'.
Goals (issues 6, 10): once the mirror is complete, a company with 50 linked contacts 0 calls cold
and warm, a company of 200 contacts 0 calls, a deal 0 calls warm. Exit status 1 if one is
missed. The per-contact plan of `widget.summary.plan_summary_fetches` is printed beside it:
what the same company would cost with one Quotes call per contact.
"""

from __future__ import annotations

import argparse
import re
import secrets
import tempfile
from pathlib import Path

from bench.contact_panel import (
    ORG,
    SESSION,
    Server,
    ViewCost,
    _with_env,
    connected_and_mirrored,
    measured,
    start_server,
)

ROW = re.compile(r'data-document-type="(\w+)" data-document-id="([^"]+)"')


def contacts_with_documents(app, tenant_id: str) -> list[str]:
    """Xero contacts with something to show (open quotes, or invoices or bills owed), sorted."""
    import json
    from decimal import Decimal

    from sqlalchemy import select

    from widget.sandbox.models import Document

    with app.extensions["sandbox"].sessions() as session:
        rows = session.execute(
            select(Document.kind, Document.body).where(
                Document.tenant_id == tenant_id, Document.kind.in_(["invoice", "quote"])
            )
        ).all()
    ids = set()
    for kind, body in rows:
        doc = json.loads(body, parse_float=Decimal)
        owed = kind == "invoice" and doc["Status"] == "AUTHORISED" and doc["AmountDue"] > 0
        if owed or (kind == "quote" and doc["Status"] in ("DRAFT", "SENT")):
            ids.add(doc["Contact"]["ContactID"])
    return sorted(ids)


def all_contacts(app, tenant_id: str) -> list[str]:
    """Every Xero contact of the organisation (with documents or not), sorted."""
    import json

    from sqlalchemy import select

    from widget.sandbox.models import Document

    with app.extensions["sandbox"].sessions() as session:
        bodies = session.scalars(
            select(Document.body).where(Document.tenant_id == tenant_id, Document.kind == "contact")
        ).all()
    return sorted(json.loads(body)["ContactID"] for body in bodies)


def link_people(app, workspace_id: str, tenant_id: str, xero_ids: list[str]) -> list[dict]:
    """CRM people linked to these Xero contacts (in the database), as a record's `contacts`."""
    from widget.contact import links
    from widget.db import get_session

    people = []
    with app.app_context():
        db = get_session()
        for xero_id in xero_ids:
            crm_id = f"bench-person-{secrets.token_hex(4)}"
            links.link(db, links.LinkKey(workspace_id, tenant_id, crm_id), xero_id, "", None)
            people.append({"id": crm_id, "name": f"Person {crm_id[-4:]}"})
        db.commit()
    return people


def open_panel(server: Server, workspace: tuple[str, str], record: dict):
    """Open a company or deal panel as the CRM would; returns (page, session for htmx)."""
    import requests

    from widget.auth.launch import sign_launch_token

    user = {"id": "bench-rep", "name": "Bench Rep", "admin": True}
    panel = record["type"]
    token = sign_launch_token(*workspace, user=user, record=record, panel=panel)
    if len(record.get("contacts") or ()) > 20:  # too long for a URL: posted, as CRMs do
        page = requests.post(f"{server.url}/{panel}", data={"token": token}, timeout=30)
    else:
        page = requests.get(f"{server.url}/{panel}", params={"token": token}, timeout=30)
    browser = requests.Session()
    browser.headers.update(
        {"X-Widget-Session": SESSION.search(page.text).group(1), "HX-Request": "true"}
    )
    return page, browser


def view(server: Server, workspace, record: dict, refresh: bool = False) -> str:
    """What a browser does for one panel view: the page, then its figures when not inline."""
    page, browser = open_panel(server, workspace, record)
    panel = record["type"]
    if not refresh and f'hx-get="/{panel}/summary"' not in page.text:
        return page.text
    params = {"refresh": "1"} if refresh else {}
    answer = browser.get(f"{server.url}/{panel}/summary", params=params, timeout=30)
    if answer.status_code != 200:
        raise RuntimeError(f"{panel} summary answered {answer.status_code}")
    return answer.text


def _line(label: str, cost: ViewCost) -> str:
    calls = ", ".join(sorted(cost.endpoints)) or "none"
    return f"  {label:<52}: {cost.calls} Xero calls, {cost.bytes:>9,} bytes ({calls})"


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--contacts", type=int, default=50, help="linked contacts of the company")
    options.add_argument("--large", type=int, default=200, help="contacts of the large company")
    options.add_argument("--threads", type=int, default=2, help="gunicorn threads (1 worker)")
    args = options.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-company-") as temp:
        server, env = start_server(Path(temp), args.threads)
        try:
            return _run(server, _with_env(env), args)
        finally:
            server.process.terminate()
            server.process.wait(timeout=10)


def _run(server: Server, app, args) -> int:
    from widget.summary import plan_summary_fetches

    tenant_id = app.extensions["sandbox"].find_org(ORG).tenant_id
    (workspace, synced_in), first_sync = measured(
        server, lambda: connected_and_mirrored(server, app, tenant_id)
    )
    xero_ids = contacts_with_documents(app, tenant_id)
    big_ids, other_ids = xero_ids[: args.contacts], xero_ids[args.contacts : args.contacts + 10]
    if len(big_ids) < args.contacts or len(other_ids) < 10:
        raise RuntimeError("the sandbox organisation has too few contacts with documents")

    def company(ids: list[str], name: str) -> dict:
        people = link_people(app, workspace[0], tenant_id, ids)
        return {"type": "company", "id": f"bench-{name}", "name": name, "contacts": people}

    solo = company(xero_ids[args.contacts + 10 : args.contacts + 11], "One Contact Ltd")
    _, first = measured(server, lambda: view(server, workspace, solo))
    big = company(big_ids, "Fifty Contacts Ltd")
    _, cold = measured(server, lambda: view(server, workspace, big))
    _, warm = measured(server, lambda: view(server, workspace, big))
    _, refresh = measured(server, lambda: view(server, workspace, big, refresh=True))
    second = company(other_ids, "Ten Contacts Ltd")
    _, shared = measured(server, lambda: view(server, workspace, second))
    solo = company(xero_ids[args.contacts + 11 : args.contacts + 12], "Another Contact Ltd")
    _, single = measured(server, lambda: view(server, workspace, solo))

    deal_people = link_people(app, workspace[0], tenant_id, xero_ids[-3:])
    deal = {
        "type": "deal", "id": "bench-deal", "name": "Bench Deal", "contacts": deal_people,
        "primary_contact_id": deal_people[0]["id"],
    }  # fmt: skip
    _, deal_cold = measured(server, lambda: view(server, workspace, deal))
    _, deal_warm = measured(server, lambda: view(server, workspace, deal))
    _, browser = open_panel(server, workspace, deal)
    choices = browser.get(f"{server.url}/deal/choices", timeout=30).text
    kind, doc_id = ROW.search(choices).groups()
    _, pick = measured(
        server,
        lambda: browser.post(
            f"{server.url}/deal/documents/add",
            data={"document_type": kind, "document_id": doc_id},
            timeout=30,
        ),
    )

    large = company(all_contacts(app, tenant_id)[: args.large], f"{args.large} Contacts Ltd")
    _, large_cold = measured(server, lambda: view(server, workspace, large))
    _, large_warm = measured(server, lambda: view(server, workspace, large))

    per_contact = len(plan_summary_fetches(big_ids))
    print(f"Company and deal panel benchmark (gunicorn: 1 worker, {args.threads} threads; "
          f"sandbox '{ORG}')")  # fmt: skip
    print(f"  connecting and the mirror's first sync: {first_sync.calls} Xero calls, "
          f"{synced_in:.1f} s; panels measured once it was complete")  # fmt: skip
    print(_line("first view of the organisation (one linked contact)", first))
    print(_line(f"company, {len(big_ids)} linked contacts, cold", cold))
    print(f"  {'':<52}  (one Quotes call per contact would be {per_contact} calls)")
    print(_line(f"company, {len(big_ids)} linked contacts, warm", warm))
    print(_line(f"company, {len(big_ids)} linked contacts, Refresh", refresh))
    print(_line("second company (10 contacts), open quotes shared", shared))
    print(_line("company with one linked contact, cold", single))
    print(_line("deal (primary + 2 participants), cold", deal_cold))
    print(_line("deal, warm", deal_warm))
    print(_line("deal, picking a document", pick))
    print(_line(f"company, {len(large['contacts'])} linked contacts, cold", large_cold))
    print(_line(f"company, {len(large['contacts'])} linked contacts, warm", large_warm))
    goals = {
        f"company of {len(big_ids)} cold 0 calls": cold.calls == 0,
        f"company of {len(large['contacts'])} 0 calls": large_cold.calls + large_warm.calls == 0,
        "company warm 0 calls": warm.calls == 0,
        "deal warm 0 calls": deal_warm.calls == 0 and pick.calls == 0,
    }
    print("  goals: " + ", ".join(f"{n} {'OK' if ok else 'MISSED'}" for n, ok in goals.items()))
    return 0 if all(goals.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
