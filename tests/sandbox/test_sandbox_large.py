"""The large demo organisation, seeded on demand through the same code path as
`flask sandbox seed --size large`, scaled down to 1% so the suite stays fast; the sandbox's store
on SQLite and on PostgreSQL (bulk inserts, SQL paging, If-Modified-Since, a payment)."""

import requests
from sqlalchemy import select

from tests.conftest import make_test_app, serve
from widget.sandbox import actions
from widget.sandbox.models import Document

LARGE = "Demo Company (Large)"
API = "/api.xero.com/api.xro/2.0"


def test_large_org_seeds_deterministically_and_pages_through(database_url):
    app = make_test_app(database_url, sandbox_database_url=database_url)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sandbox", "seed", "--size", "large", "--scale", "0.01"])
    assert result.exit_code == 0, result.output
    assert "100 contacts, 500 invoices, 50 quotes" in result.output
    box = app.extensions["sandbox"]
    names = [org.name for org in box.organisations()]
    assert names[:3] == ["Demo Company (NZ)", "Demo Company (UK)", "Demo Company (US)"]
    assert names[3] == LARGE
    tenant = box.find_org(LARGE).tenant_id

    def ids() -> set[tuple[str, str]]:
        with box.sessions() as session:
            rows = session.execute(
                select(Document.kind, Document.doc_id).where(Document.tenant_id == tenant)
            )
            return set(rows)

    first = ids()
    assert (
        runner.invoke(args=["sandbox", "seed", "--size", "large", "--scale", "0.01"]).exit_code == 0
    )
    assert ids() == first  # the same again, not twice as much
    kinds = {kind for kind, _ in first}
    assert {"contact", "invoice", "quote", "creditnote"} <= kinds

    tokens = box.token(LARGE)
    headers = {"Authorization": f"Bearer {tokens.access_token}", "xero-tenant-id": tenant}
    for server in serve(app):
        seen, page = [], 1
        while True:
            answer = requests.get(
                f"{server.sandbox_url}{API}/Invoices",
                params={"page": page, "pageSize": 100, "summaryOnly": "true"},
                headers=headers,
                timeout=10,
            ).json()
            seen += [invoice["InvoiceID"] for invoice in answer["Invoices"]]
            if page >= answer["pagination"]["pageCount"]:
                break
            page += 1
        assert len(seen) == len(set(seen)) == 500
        contacts = requests.get(
            f"{server.sandbox_url}{API}/Contacts",
            params={"page": 1, "pageSize": 1000, "includeArchived": "true"},
            headers=headers,
            timeout=10,
        ).json()["Contacts"]
        assert len(contacts) == 100
        assert len({c["Name"].lower() for c in contacts}) == 100
        owed = next(
            i
            for i in requests.get(
                f"{server.sandbox_url}{API}/Invoices",
                params={"page": 1, "where": 'Status=="AUTHORISED"'},
                headers=headers,
                timeout=10,
            ).json()["Invoices"]
            if i["AmountDue"] > 0
        )
        since = box.clock.now().replace(microsecond=0).isoformat()
        box.clock.advance(seconds=2)
        actions.pay(box, tenant, owed["InvoiceID"])
        changed = requests.get(
            f"{server.sandbox_url}{API}/Invoices",
            params={"page": 1},
            headers=headers | {"If-Modified-Since": since},
            timeout=10,
        ).json()["Invoices"]
        assert [(i["InvoiceID"], i["Status"]) for i in changed] == [(owed["InvoiceID"], "PAID")]
    app.extensions["db_engine"].dispose()
