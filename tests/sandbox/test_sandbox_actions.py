"""What a person does in Xero, from the CLI (`flask sandbox pay|approve|void|credit|allocate|
merge`) and the `_control` API: each change shows in the API as Xero would show it."""

import json
import uuid

import pytest
import requests
from sqlalchemy import select

from tests.conftest import SANDBOX_CLIENT, make_test_app
from tests.sandbox.helpers import Api
from widget.sandbox.models import Document
from widget.sandbox.serialise import read_datetime

NZ = "Demo Company (NZ)"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sandbox-actions")
    application = make_test_app(f"sqlite:///{folder / 'widget.sqlite3'}")
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def box(app):
    return app.extensions["sandbox"]


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["sandbox", *args])


def documents(box, kind: str, **columns) -> list[dict]:
    tenant = box.find_org(NZ).tenant_id
    query = select(Document.body).where(Document.tenant_id == tenant, Document.kind == kind)
    for name, value in columns.items():
        query = query.where(getattr(Document, name) == value)
    with box.sessions() as session:
        return [json.loads(body) for body in session.scalars(query.order_by(Document.position))]


def invoice(box, number: str) -> dict:
    return documents(box, "invoice", number=number)[0]


def owed(box) -> list[dict]:
    return [
        i
        for i in documents(box, "invoice", status="AUTHORISED", type="ACCREC")
        if i["AmountDue"] > 0 and not i["AmountPaid"] and not i["AmountCredited"]
    ]


def test_pay_part_then_the_rest(run, box):
    target = owed(box)[0]
    number = target["InvoiceNumber"]
    result = run("pay", "--org", "nz", "--invoice", number, "--amount", "10")
    assert result.exit_code == 0, result.output
    assert f"paid 10.00 on {number}" in result.output
    part = invoice(box, number)
    assert part["AmountPaid"] == 10 and part["AmountDue"] == round(target["AmountDue"] - 10, 2)
    assert read_datetime(part["UpdatedDateUTC"]) > read_datetime(target["UpdatedDateUTC"])
    assert run("pay", "--org", "nz", "--invoice", target["InvoiceID"]).exit_code == 0
    paid = invoice(box, number)
    assert paid["Status"] == "PAID" and paid["AmountDue"] == 0 and "FullyPaidOnDate" in paid
    refused = run("pay", "--org", "nz", "--invoice", number)
    assert refused.exit_code != 0 and "Authorised documents" in refused.output
    unknown = run("pay", "--org", "nz", "--invoice", "INV-9999")
    assert unknown.exit_code != 0 and "No invoice 'INV-9999'" in unknown.output


def test_approve_then_void_and_delete_a_draft(run, box):
    drafts = documents(box, "invoice", status="DRAFT", type="ACCREC")
    first, second = drafts[0]["InvoiceNumber"], drafts[1]["InvoiceNumber"]
    assert "AUTHORISED" in run("approve", "--org", "nz", "--invoice", first).output
    approved = invoice(box, first)
    assert approved["Status"] == "AUTHORISED" and approved["DueDate"]
    assert "VOIDED" in run("void", "--org", "nz", "--invoice", first).output
    voided = invoice(box, first)
    assert voided["Status"] == "VOIDED" and voided["AmountDue"] == 0
    assert "DELETED" in run("void", "--org", "nz", "--invoice", second).output
    again = run("approve", "--org", "nz", "--invoice", first)
    assert again.exit_code != 0 and "only drafts approve" in again.output
    paid = documents(box, "invoice", status="PAID", type="ACCREC")[0]["InvoiceNumber"]
    assert run("void", "--org", "nz", "--invoice", paid).exit_code != 0


def test_credit_then_allocate(run, box):
    target = owed(box)[0]
    contact_id = target["Contact"]["ContactID"]
    made = run("credit", "--org", "nz", "--contact", contact_id, "--amount", "12.50")
    assert made.exit_code == 0, made.output
    number = made.output.split(":")[0].strip()
    note = documents(box, "creditnote", number=number)[0]
    assert note["Status"] == "AUTHORISED" and note["RemainingCredit"] == 12.5
    done = run(
        "allocate", "--org", "nz", "--credit-note", number, "--invoice", target["InvoiceNumber"]
    )
    assert done.exit_code == 0 and "allocated 12.50" in done.output
    after = invoice(box, target["InvoiceNumber"])
    assert after["AmountCredited"] == 12.5
    assert after["AmountDue"] == round(target["AmountDue"] - 12.5, 2)
    used = documents(box, "creditnote", number=number)[0]
    assert used["Status"] == "PAID" and used["RemainingCredit"] == 0


def test_merge_moves_documents_and_archives_the_merged_contact(run, box):
    source_id = owed(box)[1]["Contact"]["ContactID"]
    target = next(
        c for c in documents(box, "contact", status="ACTIVE") if c["ContactID"] != source_id
    )
    source = documents(box, "contact", doc_id=source_id)[0]
    before = documents(box, "invoice", contact_id=source_id)
    result = run("merge", "--org", "nz", "--from", source["Name"], "--into", target["ContactID"])
    assert result.exit_code == 0, result.output
    gone = documents(box, "contact", doc_id=source_id)[0]
    assert gone["ContactStatus"] == "ARCHIVED"
    assert gone["MergedToContactID"] == target["ContactID"]
    assert documents(box, "invoice", contact_id=source_id) == []
    moved = {i["InvoiceID"] for i in documents(box, "invoice", contact_id=target["ContactID"])}
    assert {i["InvoiceID"] for i in before} <= moved
    assert all(
        i["Contact"] == {"ContactID": target["ContactID"], "Name": target["Name"]}
        for i in documents(box, "invoice", contact_id=target["ContactID"])
    )
    itself = run("merge", "--org", "nz", "--from", target["Name"], "--into", target["Name"])
    assert itself.exit_code != 0


def test_rename_a_contact_and_its_documents_follow(run, box):
    owner_id = owed(box)[2]["Contact"]["ContactID"]
    before = documents(box, "contact", doc_id=owner_id)[0]
    result = run(
        "edit-contact", "--org", "nz", "--contact", owner_id, "--name", "Renamed Traders Ltd"
    )
    assert result.exit_code == 0, result.output
    after = documents(box, "contact", doc_id=owner_id)[0]
    assert after["Name"] == "Renamed Traders Ltd"
    assert read_datetime(after["UpdatedDateUTC"]) > read_datetime(before["UpdatedDateUTC"])
    assert {i["Contact"]["Name"] for i in documents(box, "invoice", contact_id=owner_id)} == {
        "Renamed Traders Ltd"
    }
    other = documents(box, "contact", status="ACTIVE")[0]["Name"]
    taken = run("edit-contact", "--org", "nz", "--contact", owner_id, "--name", other.upper())
    assert taken.exit_code != 0 and "already assigned" in taken.output


def test_archive_a_contact(run, box):
    active = documents(box, "contact", status="ACTIVE")[-1]
    result = run("archive", "--org", "nz", "--contact", active["ContactID"])
    assert result.exit_code == 0 and "ARCHIVED" in result.output
    archived = documents(box, "contact", doc_id=active["ContactID"])[0]
    assert archived["ContactStatus"] == "ARCHIVED" and "MergedToContactID" not in archived
    assert read_datetime(archived["UpdatedDateUTC"]) > read_datetime(active["UpdatedDateUTC"])
    assert run("archive", "--org", "nz", "--contact", active["ContactID"]).exit_code != 0


def test_webhooks_switch_from_the_cli(run, box):
    assert "webhooks: off" in run("webhooks").output  # TESTING: off unless switched on
    on = run("webhooks", "--on", "--url", "http://127.0.0.1:9/webhooks/xero")
    assert "webhooks: on -> http://127.0.0.1:9/webhooks/xero" in on.output
    assert box.webhooks.enabled()
    assert "webhooks: off" in run("webhooks", "--off").output
    box.webhooks.clear_switches()


def test_control_api_actions(live_server, sandbox_reset, sandbox_token):
    base = f"{live_server.sandbox_url}/_control"
    api = Api(live_server.sandbox_url, sandbox_token)
    supplier = api.put("Contacts", {"Name": f"Control Supplier {uuid.uuid4().hex[:6]}"})
    bill = api.put(
        "Invoices",
        {
            "Type": "ACCPAY",
            "Status": "AUTHORISED",
            # dated too: the default Date is the organisation's today (NZ), a day after UTC's
            # from 11:00 UTC, and a DueDate before the Date is refused
            "Date": str(sandbox_reset.clock.today()),
            "DueDate": str(sandbox_reset.clock.today()),
            "Contact": {"ContactID": supplier.json()["Contacts"][0]["ContactID"]},
            "LineItems": [
                {"Description": "Bill", "Quantity": 1, "UnitAmount": 20, "AccountCode": "400"}
            ],
        },
    ).json()["Invoices"][0]
    assert requests.post(f"{base}/pay", json={}, timeout=10).status_code == 401
    paid = requests.post(
        f"{base}/pay",
        json={"org": NZ, "invoice": bill["InvoiceID"], "amount": "5"},
        auth=SANDBOX_CLIENT,
        timeout=10,
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["Amount"] == 5 and paid.json()["PaymentType"] == "ACCPAYPAYMENT"
    missing = requests.post(f"{base}/merge", json={"org": NZ}, auth=SANDBOX_CLIENT, timeout=10)
    assert missing.status_code == 400 and "'from' is required" in missing.json()["Message"]
    refused = requests.post(
        f"{base}/approve",
        json={"org": NZ, "invoice": bill["InvoiceID"]},
        auth=SANDBOX_CLIENT,
        timeout=10,
    )
    assert refused.status_code == 400 and "only drafts approve" in refused.json()["Message"]
    supplier_id = supplier.json()["Contacts"][0]["ContactID"]
    renamed = requests.post(
        f"{base}/edit-contact",
        json={"org": NZ, "contact": supplier_id, "email": "ap@control.example"},
        auth=SANDBOX_CLIENT,
        timeout=10,
    )
    assert renamed.status_code == 200 and renamed.json()["EmailAddress"] == "ap@control.example"
    seen = api.get(f"Contacts/{supplier_id}").json()["Contacts"][0]
    assert seen["EmailAddress"] == "ap@control.example"


def test_control_seed_and_webhook_status_check_their_input(live_server):
    base = f"{live_server.sandbox_url}/_control"
    for body in ({"size": "huge"}, {"size": "large", "scale": 0}, {"size": "large", "scale": "x"}):
        refused = requests.post(f"{base}/seed", json=body, auth=SANDBOX_CLIENT, timeout=10)
        assert refused.status_code == 400, body
    status = requests.get(f"{base}/webhooks", auth=SANDBOX_CLIENT, timeout=10).json()
    assert status["enabled"] is False and status["url"].endswith("/webhooks/xero")
    bad_url = requests.post(
        f"{base}/webhooks", json={"url": "ftp://x"}, auth=SANDBOX_CLIENT, timeout=10
    )
    assert bad_url.status_code == 400
