"""Panel sessions: header only (no cookies), hashed at rest, 15 minutes idle, CSRF-safe."""

import hashlib
from datetime import timedelta

from sqlalchemy import select

from tests.auth.fixtures import launch, make_tenant, signed_url, user_claim
from widget.auth.clock import as_utc, utcnow
from widget.auth.models import PanelSession, User
from widget.auth.sessions import load_session
from widget.db import get_session


def _stored(app, token: str) -> PanelSession:
    digest = hashlib.sha256(token.encode()).hexdigest()
    with app.app_context():
        return (
            get_session()
            .scalars(select(PanelSession).where(PanelSession.token_hash == digest))
            .one()
        )


def _age(app, token: str, *, expires_in: timedelta, seen_ago: timedelta) -> None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    with app.app_context():
        db = get_session()
        row = db.get(PanelSession, digest)
        row.expires_at = utcnow() + expires_in
        row.last_seen_at = utcnow() - seen_ago
        db.commit()


def test_the_session_header_carries_the_panel(auth_app, tenant):
    panel = launch(auth_app, tenant, "contact", access="view")
    response = panel.get("/contact")
    assert response.status_code == 200
    assert "Test Contact Ltd" in response.get_data(as_text=True)


def test_without_the_header_there_is_no_session(auth_app, tenant):
    launch(auth_app, tenant, "contact", access="view")
    response = auth_app.test_client().get("/contact")
    assert response.status_code == 401
    assert "This panel has expired" in response.get_data(as_text=True)


def test_a_session_is_never_taken_from_a_cookie_query_or_form(auth_app, tenant):
    panel = launch(auth_app, tenant, "admin", user_id="boss", admin=True)
    client = auth_app.test_client()
    client.set_cookie("X-Widget-Session", panel.token)
    client.set_cookie("widget-session", panel.token)
    assert client.get("/admin").status_code == 401
    assert client.get("/admin", query_string={"X-Widget-Session": panel.token}).status_code == 401
    response = client.post(
        "/admin/users/1/access", data={"X-Widget-Session": panel.token, "access": "edit"}
    )
    assert response.status_code == 401


def test_no_cookie_is_ever_set(auth_app, tenant):
    panel = launch(auth_app, tenant, "admin", user_id="boss", admin=True)
    assert "Set-Cookie" not in panel.launch_response.headers
    assert "Set-Cookie" not in panel.get("/admin").headers
    assert "Set-Cookie" not in auth_app.test_client().get("/admin").headers


def test_only_the_sha256_of_the_token_is_stored(auth_app, tenant):
    panel = launch(auth_app, tenant, "contact", access="view")
    row = _stored(auth_app, panel.token)
    assert row.token_hash == hashlib.sha256(panel.token.encode()).hexdigest()
    columns = [column.key for column in PanelSession.__table__.columns]
    stored_values = [str(getattr(row, column)) for column in columns]
    assert not any(panel.token in value for value in stored_values)
    assert row.record["name"] == "Test Contact Ltd" and row.panel == "contact"


def test_sessions_expire_after_fifteen_idle_minutes(db_app):
    tenant = make_tenant(db_app)
    panel = launch(db_app, tenant, "contact", access="view")
    row = _stored(db_app, panel.token)
    lifetime = as_utc(row.expires_at) - as_utc(row.last_seen_at)
    assert lifetime == timedelta(minutes=15)
    _age(db_app, panel.token, expires_in=timedelta(seconds=-1), seen_ago=timedelta(minutes=15))
    response = panel.get("/contact")
    assert response.status_code == 401
    assert response.headers["HX-Retarget"] == "body"  # the message replaces the whole panel


def test_sessions_are_renewed_while_in_use(db_app):
    tenant = make_tenant(db_app)
    panel = launch(db_app, tenant, "contact", access="view")
    _age(db_app, panel.token, expires_in=timedelta(seconds=30), seen_ago=timedelta(minutes=14))
    assert panel.get("/contact").status_code == 200
    row = _stored(db_app, panel.token)
    assert as_utc(row.expires_at) > utcnow() + timedelta(minutes=14)


def test_load_session_at_the_idle_edge(auth_app, tenant):
    panel = launch(auth_app, tenant, "contact", access="view")
    row = _stored(auth_app, panel.token)
    with auth_app.test_request_context():
        db = get_session()
        just_before = as_utc(row.expires_at) - timedelta(seconds=1)
        assert load_session(db, panel.token, now=just_before) is not None
    with auth_app.test_request_context():
        renewed = _stored(auth_app, panel.token)
        assert load_session(get_session(), panel.token, now=as_utc(renewed.expires_at)) is None


def test_an_unknown_or_oversized_token_is_no_session(auth_app, tenant):
    for token in ("nope", "x" * 5000):
        response = auth_app.test_client().get("/contact", headers={"X-Widget-Session": token})
        assert response.status_code == 401


def test_a_cross_site_form_post_without_the_header_is_refused(auth_app, tenant):
    """What a CSRF attack can send: the browser's form post, with no custom header."""
    member = launch(auth_app, tenant, "contact", user_id="victim")
    admin = launch(auth_app, tenant, "admin", user_id="boss", admin=True)
    with auth_app.app_context():
        victim = (
            get_session()
            .scalars(
                select(User).where(User.workspace_id == tenant.id, User.crm_user_id == "victim")
            )
            .one()
        )
    forged = admin.client.post(
        f"/admin/users/{victim.id}/access",
        data={"access": "edit"},
        headers={
            "Origin": "https://evil.example",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert forged.status_code == 401
    assert member.get("/contact").status_code == 403  # still no access
    genuine = admin.patch(f"/admin/users/{victim.id}/access", data={"access": "view"})
    assert genuine.status_code == 200
    assert member.get("/contact").status_code == 200


def test_no_cors_is_offered(auth_app, tenant):
    response = auth_app.test_client().options(
        "/admin/users/1/access",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "PATCH"},
    )
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_session_of_one_workspace_sees_only_its_own_record(auth_app, tenant):
    other = make_tenant(auth_app)
    mine = launch(auth_app, tenant, "contact", access="view")
    client = auth_app.test_client()
    client.get(signed_url(other, "contact", user_claim("rep-1", admin=True)))
    body = mine.get("/contact").get_data(as_text=True)
    assert "Test Contact Ltd" in body
    assert _stored(auth_app, mine.token).workspace_id == tenant.id


def test_a_session_opened_for_a_contact_does_not_render_the_deal_panel(auth_app, tenant):
    panel = launch(auth_app, tenant, "contact", access="view")
    assert panel.get("/deal").status_code == 404
