"""Add contact refused because the name is taken offers "Link the existing contact instead": the
contact found by that name (Xero's `Name==` filter here, the mirror is not ready), and the offer
links it as Link does, audited with both names."""

import html
import json
import re
import secrets

from sqlalchemy import select

from tests.contact.mirror_fill import fill_mirror
from tests.contact.support import NZ, open_panel, person_record, stored
from widget.auth.models import AuditEntry


def _taken(server) -> dict:
    return next(c for c in stored(server, NZ, "contact") if c["ContactStatus"] == "ACTIVE")


def test_a_taken_name_offers_the_existing_contact_and_links_it(contact_server):
    workspace = contact_server.connected_workspace(NZ)
    existing = _taken(contact_server)
    record = person_record(name=f"Dup Person {secrets.token_hex(3)}")
    panel = open_panel(contact_server, workspace, record)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', panel.page.text).group(1)

    typed = existing["Name"].upper()  # names are unique in any case
    refused = panel.post("/contact/new", {"name": typed, "idempotency_key": key})
    assert refused.status_code == 422, refused.text[:800]
    assert "already assigned" in refused.text  # Xero's reason stays beside the name
    assert "Link the existing contact instead" in refused.text
    offer = refused.text.split("data-link-existing")[1].split("</div>")[0]
    assert 'hx-post="/contact/link"' in offer and 'hx-target="#contact-body"' in offer
    vals = json.loads(html.unescape(re.search(r"hx-vals='([^']+)'", offer).group(1)))
    assert vals == {"xero_contact_id": existing["ContactID"]}
    assert html.escape(existing["Name"]) in offer

    linked = panel.post("/contact/link", vals)
    assert linked.status_code == 200 and 'data-state="linked"' in linked.text
    with contact_server.app.extensions["db_sessionmaker"]() as session:
        entry = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.workspace_id == workspace.id, AuditEntry.action == "link.create")
            .order_by(AuditEntry.id.desc())
        ).first()
    assert entry.subject == existing["ContactID"]
    assert entry.details["xero_contact_name"] == existing["Name"]
    assert entry.details["crm_contact_name"] == record["name"]


def test_a_refusal_for_another_reason_offers_nothing(contact_server):
    workspace = contact_server.connected_workspace(NZ)
    panel = open_panel(contact_server, workspace, person_record(name="Bad Email Person"))
    key = re.search(r'name="idempotency_key" value="([^"]+)"', panel.page.text).group(1)
    form = {"name": "Bad Email Person", "email": "not-an-email", "idempotency_key": key}
    refused = panel.post("/contact/new", form)
    assert refused.status_code == 422
    assert "Link the existing contact instead" not in refused.text


def test_with_the_mirror_ready_the_existing_contact_is_found_there(contact_server):
    """Once the mirror is ready the contact with the name comes from it: the only Xero call is
    the refused create itself (no Name== lookup)."""
    workspace = contact_server.connected_workspace(NZ)
    fill_mirror(contact_server, workspace.id, NZ)
    existing = _taken(contact_server)
    panel = open_panel(contact_server, workspace, person_record(name="Mirror Dup Person"))
    key = re.search(r'name="idempotency_key" value="([^"]+)"', panel.page.text).group(1)
    mark = contact_server.meter.mark()
    refused = panel.post("/contact/new", {"name": existing["Name"], "idempotency_key": key})
    assert refused.status_code == 422 and "Link the existing contact instead" in refused.text
    assert existing["ContactID"] in refused.text
    calls = contact_server.meter.since(mark)
    assert len(calls) == 1 and calls[0].method in ("PUT", "POST"), calls  # the refused create
