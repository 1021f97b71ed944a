"""Helpers for the company- and deal-panel tests: panels opened as a CRM would (a signed launch
token naming the record's people), links made through the panels over HTTP, and the sandbox's
own data for arithmetic that bypasses the widget."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from decimal import Decimal

import requests
from sqlalchemy import select

from tests.connection.support import Workspace
from tests.contact.support import SESSION, ContactServer, Panel, grant, stored
from widget.auth.launch import sign_launch_token
from widget.sandbox.documents import save
from widget.sandbox.models import Document

NZ = "Demo Company (NZ)"


def person(xero_hint: str | None = None, **fields) -> dict:
    """A CRM person on a company or deal record (`id`, `name`, `email`)."""
    crm_id = fields.pop("id", None) or f"crm-p-{secrets.token_hex(4)}"
    return {"id": crm_id, "name": fields.get("name", f"Person {crm_id[-4:]}"), **fields}


def company_record(people: Iterable[dict], **fields) -> dict:
    record = {"type": "company", "id": f"crm-co-{secrets.token_hex(4)}", "name": "Test Company"}
    record.update(fields)
    record["contacts"] = list(people)
    return record


def deal_record(people: list[dict], primary: dict | None = None, **fields) -> dict:
    record = {"type": "deal", "id": f"crm-deal-{secrets.token_hex(4)}", "name": "Test Deal"}
    record.update(fields)
    record["contacts"] = list(people)
    if primary is not None:
        record["primary_contact_id"] = primary["id"]
    return record


def open_group_panel(
    server: ContactServer,
    workspace: Workspace,
    record: dict,
    *,
    user_id: str = "rep-1",
    admin: bool = False,
    access: str | None = "edit",
    path: str | None = None,
    expect: int = 200,
) -> Panel:
    """Open a company or deal panel as the CRM does (grant `access` first for a member)."""
    panel_name = record["type"]
    user = {"id": user_id, "name": f"Rep {user_id}", "email": f"{user_id}@crm.test", "admin": admin}

    def launch() -> requests.Response:
        token = sign_launch_token(
            workspace.id, workspace.secret, user=user, record=record, panel=panel_name
        )
        url = f"{server.url}{path or '/' + panel_name}"
        return requests.get(url, params={"token": token}, timeout=30)

    page = launch()
    if access is not None and not admin:
        grant(server, workspace, user_id, access)
        page = launch()
    assert page.status_code == expect, page.text[:800]
    browser = requests.Session()
    match = SESSION.search(page.text)
    if match:
        browser.headers["X-Widget-Session"] = match.group(1)
    browser.headers["HX-Request"] = "true"
    return Panel(server, page, browser)


def link_person(panel: Panel, crm_id: str, xero_contact_id: str) -> requests.Response:
    prefix = "/" + panel.page.url.split("/")[3].split("?")[0]
    answer = panel.post(
        f"{prefix}/people/link", {"crm_contact_id": crm_id, "xero_contact_id": xero_contact_id}
    )
    assert answer.status_code == 200, answer.text[:800]
    return answer


def contacts_with_documents(server: ContactServer, org_name: str = NZ) -> list[str]:
    """Xero contacts (ids) that have outstanding invoices or bills or open quotes, sorted."""
    ids = set()
    for invoice in stored(server, org_name, "invoice"):
        if invoice["Status"] == "AUTHORISED" and Decimal(str(invoice["AmountDue"])) > 0:
            ids.add(invoice["Contact"]["ContactID"])
    for quote in stored(server, org_name, "quote"):
        if quote["Status"] in ("DRAFT", "SENT"):
            ids.add(quote["Contact"]["ContactID"])
    return sorted(ids)


def set_status(server: ContactServer, org_name: str, kind: str, doc_id: str, status: str) -> None:
    """Play Xero's own user voiding or deleting a document (the sandbox's stored copy)."""
    tenant_id = server.org(org_name).tenant_id
    with server.sandbox.sessions() as session, session.begin():
        row = session.get(Document, (tenant_id, kind, doc_id))
        body = json.loads(row.body)
        body["Status"] = status
        if kind == "invoice" and status in ("VOIDED", "DELETED"):
            body["AmountDue"] = 0
        save(session, tenant_id, kind, body, server.sandbox.clock.now())


def stored_one(server: ContactServer, org_name: str, kind: str, doc_id: str) -> dict:
    tenant_id = server.org(org_name).tenant_id
    with server.sandbox.sessions() as session:
        body = session.scalar(
            select(Document.body).where(
                Document.tenant_id == tenant_id, Document.kind == kind, Document.doc_id == doc_id
            )
        )
    return json.loads(body, parse_float=Decimal)


def link_directly(server: ContactServer, workspace: Workspace, links_to: dict, org_name=NZ):
    """Links made straight in the database (setup for tests about reading, not linking):
    {crm id: xero contact id}; a key ("company", id) links the company itself."""
    from widget.contact import links
    from widget.db import get_session

    tenant_id = server.org(org_name).tenant_id
    with server.app.app_context():
        db = get_session()
        for crm, xero_id in links_to.items():
            kind, crm_id = crm if isinstance(crm, tuple) else ("contact", crm)
            key = links.LinkKey(workspace.id, tenant_id, crm_id, kind)
            links.link(db, key, xero_id, f"Xero {xero_id[:8]}", None)
        db.commit()


def paths(calls) -> list[str]:
    return sorted(call.path for call in calls)
