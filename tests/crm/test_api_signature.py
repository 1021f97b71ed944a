"""Server-to-server requests are accepted only when signed with the workspace's secret, within
five minutes of our clock, once; another workspace's secret or id does not pass."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.auth.fixtures import launch, make_tenant
from tests.crm.signed import signed_put
from widget.auth.clock import utcnow
from widget.auth.workspaces import retire_secrets, rotate_secret
from widget.crm.models import CrmContact
from widget.crm.signing import signed_headers
from widget.db import get_session

PATH = "/api/crm/contacts"
BATCH = {"contacts": [{"id": "c-1", "name": "Jo Bloggs", "email": "jo@bloggs.example"}]}


def _stored(app, tenant) -> list[str]:
    with app.app_context():
        query = select(CrmContact.crm_id).where(CrmContact.workspace_id == tenant.id)
        return list(get_session().scalars(query))


def test_a_signed_request_is_accepted_and_stored(db_app):
    tenant = make_tenant(db_app)
    response = signed_put(db_app.test_client(), tenant, PATH, BATCH)
    assert response.status_code == 200, response.json
    assert response.json == {"received": 1, "created": 1, "updated": 0, "unchanged": 0}
    assert _stored(db_app, tenant) == ["c-1"]


def test_the_same_signed_request_twice_is_a_replay(db_app):
    tenant = make_tenant(db_app)
    client = db_app.test_client()
    body = json.dumps(BATCH).encode()
    headers = {
        **signed_headers(tenant.id, tenant.secret, "PUT", PATH, body),
        "Content-Type": "application/json",
    }
    assert client.put(PATH, data=body, headers=headers).status_code == 200
    again = client.put(PATH, data=body, headers=headers)
    assert again.status_code == 401
    assert again.json["error"] == "replayed"
    # signed afresh (a later timestamp), the same batch goes through and changes nothing
    later = utcnow() + timedelta(seconds=1)
    resent = signed_put(client, tenant, PATH, BATCH, now=later)
    assert resent.status_code == 200
    assert resent.json == {"received": 1, "created": 0, "updated": 0, "unchanged": 1}


# 5 s beyond the 300 s window: the header holds whole seconds (up to 1 s lost) and the request
# reaches the check a moment after it was signed (at 301 s a slow machine got through)
@pytest.mark.parametrize("seconds", [-305, 305, -3600])
def test_a_stale_or_future_timestamp_is_refused(auth_app, tenant, seconds):
    now = utcnow() + timedelta(seconds=seconds)
    response = signed_put(auth_app.test_client(), tenant, PATH, BATCH, now=now)
    assert response.status_code == 401 and response.json["error"] == "stale_timestamp"
    assert _stored(auth_app, tenant) == []


def test_within_the_window_is_accepted(auth_app, tenant):
    now = utcnow() - timedelta(seconds=290)
    assert signed_put(auth_app.test_client(), tenant, PATH, BATCH, now=now).status_code == 200


def test_a_wrong_secret_is_refused(auth_app, tenant):
    response = signed_put(auth_app.test_client(), tenant, PATH, BATCH, secret="not-the-secret")
    assert response.status_code == 401 and response.json["error"] == "bad_signature"
    assert _stored(auth_app, tenant) == []


def test_another_workspaces_secret_does_not_pass_for_this_one(auth_app, tenant):
    other = make_tenant(auth_app)
    client = auth_app.test_client()
    # signed with the other workspace's secret but naming ours
    response = signed_put(client, tenant, PATH, BATCH, secret=other.secret)
    assert response.status_code == 401 and response.json["error"] == "bad_signature"
    # naming a workspace that does not exist
    response = signed_put(client, tenant, PATH, BATCH, workspace="ws-nobody")
    assert response.status_code == 401 and response.json["error"] == "bad_signature"
    assert _stored(auth_app, tenant) == [] and _stored(auth_app, other) == []
    # the other workspace's own signed request lands in the other workspace only
    assert signed_put(client, other, PATH, BATCH).status_code == 200
    assert _stored(auth_app, tenant) == [] and _stored(auth_app, other) == ["c-1"]


def test_a_tampered_body_path_or_method_is_refused(auth_app, tenant):
    client = auth_app.test_client()
    body = json.dumps(BATCH).encode()
    headers = {
        **signed_headers(tenant.id, tenant.secret, "PUT", PATH, body),
        "Content-Type": "application/json",
    }
    tampered = body.replace(b"Jo Bloggs", b"Mallory")
    assert client.put(PATH, data=tampered, headers=headers).status_code == 401
    assert client.put("/api/crm/users", data=body, headers=headers).status_code == 401
    assert client.put(PATH + "?x=1", data=body, headers=headers).status_code == 401
    assert _stored(auth_app, tenant) == []


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Widget-Workspace": "ws-x", "X-Widget-Timestamp": "1", "X-Widget-Signature": "abc"},
        {"X-Widget-Workspace": "ws-x", "X-Widget-Timestamp": "soon", "X-Widget-Signature": "v1="},
    ],
)
def test_unsigned_or_malformed_headers_are_a_401_in_json(auth_app, headers):
    response = auth_app.test_client().put(PATH, json=BATCH, headers=headers)
    assert response.status_code == 401
    assert response.json["error"] in ("unsigned", "bad_timestamp")


def test_a_panel_session_even_an_admins_is_not_a_signature(auth_app, tenant):
    admin = launch(auth_app, tenant, "admin", user_id="boss", admin=True)
    response = admin.open(PATH, "PUT", json=BATCH)
    assert response.status_code == 401
    assert _stored(auth_app, tenant) == []


def test_rotated_secrets_both_verify_until_retired(auth_app, tenant):
    with auth_app.app_context():
        db = get_session()
        new = rotate_secret(db, tenant.id)
        db.commit()
    client = auth_app.test_client()
    assert signed_put(client, tenant, PATH, BATCH).status_code == 200
    assert signed_put(client, tenant, PATH, BATCH, secret=new).status_code == 200
    with auth_app.app_context():
        db = get_session()
        retire_secrets(db, tenant.id)
        db.commit()
    later = utcnow() + timedelta(seconds=2)
    refused = signed_put(client, tenant, PATH, BATCH, now=later)
    assert refused.status_code == 401 and refused.json["error"] == "bad_signature"
    assert signed_put(client, tenant, PATH, BATCH, secret=new, now=later).status_code == 200
