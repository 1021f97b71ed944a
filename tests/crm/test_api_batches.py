"""PUT /api/crm/contacts and /api/crm/users: batches of up to 1,000, idempotent, every bad record
named in a JSON 4xx with nothing saved, bodies size-limited; users pushed get their grant ready
for their first launch."""

import json

import pytest
from sqlalchemy import select

from tests.auth.fixtures import launch, make_tenant
from tests.crm.signed import signed_put
from widget.auth import audit
from widget.auth.users import find_by_crm_id
from widget.crm.models import CrmContact
from widget.db import get_session

CONTACTS = "/api/crm/contacts"
USERS = "/api/crm/users"


def _contacts(app, tenant) -> dict[str, CrmContact]:
    with app.app_context():
        query = select(CrmContact).where(CrmContact.workspace_id == tenant.id)
        return {row.crm_id: row for row in get_session().scalars(query)}


def _many(count: int) -> list[dict]:
    return [
        {
            "id": f"crm-{number}",
            "first_name": "Pat",
            "last_name": f"Number{number}",
            "email": f"pat{number}@example.com",
            "company": "Acme Ltd",
        }
        for number in range(count)
    ]


def test_a_full_batch_is_stored_and_resending_it_changes_nothing(db_app):
    tenant = make_tenant(db_app)
    client = db_app.test_client()
    batch = {"contacts": _many(1000)}
    first = signed_put(client, tenant, CONTACTS, batch)
    assert first.status_code == 200
    assert first.json == {"received": 1000, "created": 1000, "updated": 0, "unchanged": 0}
    stored = _contacts(db_app, tenant)
    assert len(stored) == 1000 and stored["crm-7"].name == "Pat Number7"
    assert stored["crm-7"].email == "pat7@example.com" and stored["crm-7"].company == "Acme Ltd"
    second = signed_put(client, tenant, CONTACTS, batch)
    assert second.json == {"received": 1000, "created": 0, "updated": 0, "unchanged": 1000}
    changed = [{**batch["contacts"][3], "email": "new@example.com"}]
    third = signed_put(client, tenant, CONTACTS, {"contacts": changed})
    assert third.json == {"received": 1, "created": 0, "updated": 1, "unchanged": 0}
    assert _contacts(db_app, tenant)["crm-3"].email == "new@example.com"
    with db_app.app_context():
        actions = [e.action for e in audit.entries(get_session(), tenant.id).entries]
    assert actions == ["crm.contacts.push", "crm.contacts.push"]  # the no-op batch is not logged


def test_more_than_1000_is_refused_whole(auth_app, tenant):
    response = signed_put(auth_app.test_client(), tenant, CONTACTS, {"contacts": _many(1001)})
    assert response.status_code == 413 and response.json["error"] == "batch_too_large"
    assert _contacts(auth_app, tenant) == {}


def test_bad_records_are_each_named_and_nothing_is_saved(auth_app, tenant):
    batch = {
        "contacts": [
            {"id": "ok-1", "name": "Fine Ltd"},
            {"id": "", "name": "No id"},
            {"id": "c-2", "name": "Bad mail", "email": "not-an-email"},
            {"id": "c-3"},
            {"id": "c-4", "name": "x" * 256},
            {"id": "c-5", "name": "Nul\u0000byte"},
            {"id": "ok-1", "name": "Twice"},
            "not an object",
            {"id": ["list"], "name": "Odd id"},
        ]
    }
    response = signed_put(auth_app.test_client(), tenant, CONTACTS, batch)
    assert response.status_code == 422
    assert response.json["error"] == "invalid_records"
    errors = {(e["index"], e["field"]) for e in response.json["errors"]}
    assert errors == {
        (1, "id"),
        (2, "email"),
        (3, "name"),
        (4, "name"),
        (5, "name"),
        (6, "id"),
        (7, ""),
        (8, "id"),
    }
    assert "nothing was saved" in response.json["message"]
    assert _contacts(auth_app, tenant) == {}


@pytest.mark.parametrize(
    ("body", "content_type", "status", "error"),
    [
        (b"{not json", "application/json", 400, "invalid_json"),
        (b'{"people": []}', "application/json", 400, "invalid_batch"),
        (b'{"contacts": {"id": 1}}', "application/json", 400, "invalid_batch"),
        (b"[]", "application/json", 400, "invalid_batch"),
        (b'{"contacts": []}', "text/plain", 415, "unsupported_media_type"),
        (b"\xff\xfe", "application/json", 400, "invalid_json"),
        (b"[" * 200_000, "application/json", 400, "invalid_json"),
        (
            b'{"contacts": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            "application/json",
            400,
            "invalid_json",
        ),
    ],
)
def test_malformed_bodies_are_clear_4xx(auth_app, tenant, body, content_type, status, error):
    from widget.crm.signing import signed_headers

    headers = signed_headers(tenant.id, tenant.secret, "PUT", CONTACTS, body)
    headers["Content-Type"] = content_type
    response = auth_app.test_client().put(CONTACTS, data=body, headers=headers)
    assert response.status_code == status and response.json["error"] == error


def test_a_body_over_the_limit_is_a_413_before_anything_else(auth_app, tenant):
    body = json.dumps({"contacts": [{"id": "c", "name": "x" * 3_000_000}]}).encode()
    response = signed_put(auth_app.test_client(), tenant, CONTACTS, None, body=body)
    assert response.status_code == 413
    assert response.is_json
    assert _contacts(auth_app, tenant) == {}


def test_pushed_users_get_their_grant_when_they_first_launch(db_app):
    tenant = make_tenant(db_app)
    client = db_app.test_client()
    batch = {
        "users": [
            {"id": "u-ana", "name": "Ana Lyst", "email": "ana@crm.example", "access": "edit"},
            {"id": "u-ben", "name": "Ben Viewer", "access": "view"},
            {"id": "u-cy", "name": "Cy Nogrant"},
        ]
    }
    first = signed_put(client, tenant, USERS, batch)
    assert first.json == {"received": 3, "created": 3, "updated": 0, "unchanged": 0}
    assert signed_put(client, tenant, USERS, batch).json["unchanged"] == 3
    with db_app.app_context():
        ana = find_by_crm_id(get_session(), tenant.id, "u-ana")
        assert (ana.access, ana.launched_at, ana.email) == ("edit", None, "ana@crm.example")
    assert launch(db_app, tenant, "contact", user_id="u-ana").get("/contact").status_code == 200
    assert launch(db_app, tenant, "contact", user_id="u-ben").get("/contact").status_code == 200
    assert launch(db_app, tenant, "contact", user_id="u-cy").launch_response.status_code == 403
    with db_app.app_context():
        ana = find_by_crm_id(get_session(), tenant.id, "u-ana")
        assert ana.launched_at is not None and ana.access == "edit"
    # a later push without access keeps the grant; one with access changes it, audited
    signed_put(client, tenant, USERS, {"users": [{"id": "u-ana", "name": "Ana Lyst"}]})
    signed_put(client, tenant, USERS, {"users": [{"id": "u-ben", "access": "none"}]})
    with db_app.app_context():
        db = get_session()
        assert find_by_crm_id(db, tenant.id, "u-ana").access == "edit"
        assert find_by_crm_id(db, tenant.id, "u-ben").access == "none"
        entries = audit.entries(db, tenant.id, per_page=100).entries
    revoke = next(e for e in entries if e.action == "access.revoke")
    assert revoke.actor == "system" and revoke.details["source"] == "api"


def test_a_pushed_grant_does_not_change_an_admin(auth_app, tenant):
    launch(auth_app, tenant, "admin", user_id="boss", admin=True)
    response = signed_put(
        auth_app.test_client(), tenant, USERS, {"users": [{"id": "boss", "access": "none"}]}
    )
    assert response.status_code == 200
    with auth_app.app_context():
        boss = find_by_crm_id(get_session(), tenant.id, "boss")
        assert boss.is_admin and boss.access == "none"  # admins always have edit regardless
    assert (
        launch(auth_app, tenant, "admin", user_id="boss", admin=True).launch_response.status_code
        == 200
    )


def test_a_bad_grant_is_named(auth_app, tenant):
    response = signed_put(
        auth_app.test_client(), tenant, USERS, {"users": [{"id": "u-1", "access": "admin"}]}
    )
    assert response.status_code == 422
    assert response.json["errors"] == [
        {
            "index": 0,
            "id": "u-1",
            "field": "access",
            "message": "access must be one of none, view, edit",
        }
    ]
