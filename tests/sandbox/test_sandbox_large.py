"""The large demo organisation, seeded on demand through the same code path as
`flask sandbox seed --size large`, scaled down to 1% so the suite stays fast."""

import requests
from sqlalchemy import select

from tests.conftest import make_test_app, serve
from widget.sandbox.models import Document

LARGE = "Demo Company (Large)"
API = "/api.xero.com/api.xro/2.0"


def test_large_org_seeds_deterministically_and_pages_through(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'widget.sqlite3'}")
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
    app.extensions["db_engine"].dispose()
