"""Launch tokens: signature, algorithm, audience, issuer, lifetime, skew and single use."""

import base64
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey
from sqlalchemy import select

from tests.auth.fixtures import (
    SESSION_META,
    make_tenant,
    record_claim,
    signed_url,
    user_claim,
)
from widget.auth.launch import LaunchError, sign_launch_token, verify_launch_token
from widget.auth.models import UsedLaunchToken, User
from widget.auth.workspaces import retire_secrets, rotate_secret
from widget.db import get_session

NOW = datetime(2026, 11, 22, 9, 0, 0, tzinfo=UTC)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(tenant, **overrides) -> dict:
    issued = int(datetime.now(UTC).timestamp())
    claims = {
        "iss": tenant.id,
        "aud": "xero-widget",
        "sub": "rep-1",
        "iat": issued,
        "exp": issued + 300,
        "jti": "jti-" + str(issued) + str(id(overrides)),
        "user": user_claim("rep-1", admin=True),
        "record": record_claim("contact"),
        "panel": "contact",
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def _hand_signed(tenant, algorithm="HS256", **overrides) -> str:
    key = OctKey.import_key(tenant.secret)
    return jwt.encode({"alg": algorithm}, _claims(tenant, **overrides), key, algorithms=[algorithm])


def _open(app, token: str, panel="contact", **headers):
    return app.test_client().get(f"/{panel}", query_string={"token": token}, headers=headers)


def _refused(response, reason_part: str) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 401, body
    assert "This panel has expired: reload the CRM page" in body
    assert reason_part in body
    assert "Traceback" not in body
    assert SESSION_META.search(body) is None


def test_a_valid_token_opens_the_panel_with_a_session(auth_app, tenant):
    url = signed_url(tenant, "contact")
    response = auth_app.test_client().get(url)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Test Contact Ltd" in body
    assert SESSION_META.search(body)
    token = url.split("token=", 1)[1]
    assert token not in body  # the launch token is never echoed into the page


def test_a_token_signed_with_another_secret_is_refused(auth_app, tenant):
    url = signed_url(tenant, secret="not-the-workspace-secret-but-long-enough-0123456789")
    _refused(auth_app.test_client().get(url), "signature does not match")


def test_alg_none_is_refused(auth_app, tenant):
    token = _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(_claims(tenant)) + "."
    _refused(_open(auth_app, token), "not a valid HS256 JWT")


def test_hs512_with_the_right_secret_is_refused(auth_app, tenant):
    _refused(_open(auth_app, _hand_signed(tenant, "HS512")), "not a valid HS256 JWT")


def test_a_tampered_payload_is_refused(auth_app, tenant):
    header, _payload, signature = _hand_signed(tenant).split(".")
    forged = _b64(_claims(tenant, user=user_claim("rep-1", admin=True)))
    _refused(_open(auth_app, f"{header}.{forged}.{signature}"), "signature does not match")


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "a.b.c.d.e", "x" * 9000])
def test_garbage_is_refused_without_a_stack_trace(auth_app, garbage):
    _refused(_open(auth_app, garbage), "")


def test_an_unknown_workspace_is_refused(auth_app, tenant):
    _refused(_open(auth_app, _hand_signed(tenant, iss="ws-nobody")), "not a known workspace")


def test_a_token_of_one_workspace_naming_another_as_issuer_is_refused(auth_app, tenant):
    other = make_tenant(auth_app)
    token = _hand_signed(tenant, iss=other.id)  # signed with tenant's secret, claims other
    _refused(_open(auth_app, token), "signature does not match")


@pytest.mark.parametrize("audience", ["someone-else", None, ["a", "b"]])
def test_the_audience_must_be_ours(auth_app, tenant, audience):
    response = _open(auth_app, _hand_signed(tenant, aud=audience))
    _refused(response, "aud")


def test_an_audience_list_including_ours_is_accepted(auth_app, tenant):
    response = _open(auth_app, _hand_signed(tenant, aud=["crm", "xero-widget"]))
    assert response.status_code == 200


@pytest.mark.parametrize("missing", ["sub", "jti", "iat", "exp", "iss"])
def test_registered_claims_are_required(auth_app, tenant, missing):
    response = _open(auth_app, _hand_signed(tenant, **{missing: None}))
    assert response.status_code == 401


def test_an_expired_token_is_refused(auth_app, tenant):
    url = signed_url(tenant, now=datetime.now(UTC) - timedelta(minutes=10))
    _refused(auth_app.test_client().get(url), "expired")


def test_a_lifetime_over_five_minutes_is_refused(auth_app, tenant):
    _refused(auth_app.test_client().get(signed_url(tenant, lifetime=301)), "within 300 s")


def test_a_replayed_token_is_refused_on_each_database(db_app):
    tenant = make_tenant(db_app)
    url = signed_url(tenant)
    assert db_app.test_client().get(url).status_code == 200
    _refused(db_app.test_client().get(url), "already been used")


def test_concurrent_replays_let_exactly_one_through(db_app):
    tenant = make_tenant(db_app)
    url = signed_url(tenant)
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def attempt():
        client = db_app.test_client()
        barrier.wait()
        statuses.append(client.get(url).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [200, 401, 401, 401]


def test_the_same_jti_in_two_workspaces_is_not_a_replay(auth_app, tenant):
    other = make_tenant(auth_app)
    assert _open(auth_app, _hand_signed(tenant, jti="shared-jti")).status_code == 200
    assert _open(auth_app, _hand_signed(other, jti="shared-jti", iss=other.id)).status_code == 200


def test_spent_jtis_are_purged_once_they_could_no_longer_be_used(auth_app, tenant, monkeypatch):
    monkeypatch.setitem(auth_app.config, "LAUNCH_SWEEP_ONE_IN", 1)  # sweep on this launch
    with auth_app.app_context():
        db = get_session()
        db.add(UsedLaunchToken(workspace_id=tenant.id, jti="old", expires_at=NOW - timedelta(1)))
        db.commit()
    assert auth_app.test_client().get(signed_url(tenant)).status_code == 200
    with auth_app.app_context():
        jtis = get_session().scalars(
            select(UsedLaunchToken.jti).where(UsedLaunchToken.workspace_id == tenant.id)
        )
        remaining = list(jtis)
    assert "old" not in remaining and len(remaining) == 1


def _verify_at(app, tenant, now, **overrides):
    """verify_launch_token at an exact instant, for the skew edges (no sleeping)."""
    token = _hand_signed(tenant, **overrides)
    with app.test_request_context():
        return verify_launch_token(get_session(), token, "contact", now=now)


def _stamp(moment: datetime) -> int:
    return int(moment.timestamp())


def test_skew_edges_for_expiry(auth_app, tenant):
    exp = _stamp(NOW) - 59
    late = _verify_at(auth_app, tenant, NOW, iat=exp - 300, exp=exp, jti="exp-59")
    assert late.workspace_id == tenant.id
    with pytest.raises(LaunchError, match="expired"):
        _verify_at(auth_app, tenant, NOW, iat=exp - 301, exp=exp - 1, jti="exp-60")


def test_skew_edges_for_a_token_issued_in_the_future(auth_app, tenant):
    ahead = _verify_at(
        auth_app, tenant, NOW, iat=_stamp(NOW) + 60, exp=_stamp(NOW) + 360, jti="iat+60"
    )
    assert ahead.user.id == "rep-1"
    with pytest.raises(LaunchError, match="future"):
        _verify_at(auth_app, tenant, NOW, iat=_stamp(NOW) + 61, exp=_stamp(NOW) + 361, jti="iat+61")


def test_exp_before_iat_is_refused(auth_app, tenant):
    with pytest.raises(LaunchError, match="within 300 s"):
        _verify_at(auth_app, tenant, NOW, iat=_stamp(NOW), exp=_stamp(NOW), jti="zero-life")


def test_a_rotated_secret_and_the_previous_one_both_work_until_retired(auth_app, tenant):
    with auth_app.app_context():
        db = get_session()
        new_secret = rotate_secret(db, tenant.id)
        db.commit()
    assert auth_app.test_client().get(signed_url(tenant)).status_code == 200
    assert auth_app.test_client().get(signed_url(tenant, secret=new_secret)).status_code == 200
    with auth_app.app_context():
        db = get_session()
        assert retire_secrets(db, tenant.id) == 1
        db.commit()
    _refused(auth_app.test_client().get(signed_url(tenant)), "signature does not match")
    assert auth_app.test_client().get(signed_url(tenant, secret=new_secret)).status_code == 200


@pytest.mark.parametrize(
    ("panel", "opened_at"),
    [("contact", "deal"), ("admin", "contact"), ("contact", "admin")],
)
def test_a_token_for_one_panel_cannot_open_another(auth_app, tenant, panel, opened_at):
    url = signed_url(tenant, panel, user_claim("boss", admin=True))
    response = auth_app.test_client().get(f"/{opened_at}?" + url.split("?", 1)[1])
    _refused(response, "another panel")


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"user": {"id": "rep-1", "admin": "yes"}}, "user.admin"),
        ({"user": "rep-1"}, "user claim"),
        ({"sub": "someone-else"}, "sub must equal user.id"),
        ({"record": {"type": "deal", "id": "d1"}}, "needs a contact record"),
        ({"record": {"type": "planet", "id": "p1"}}, "record.type"),
        ({"record": {"type": "contact"}}, "record.id"),
        ({"user": {"id": "rep-1", "locale": "<script>"}}, "user.locale"),
        ({"jti": "j" * 201}, "jti"),
    ],
)
def test_malformed_claims_are_refused_with_a_reason(auth_app, tenant, overrides, reason):
    _refused(_open(auth_app, _hand_signed(tenant, **overrides)), reason)


def test_json_callers_get_json(auth_app, tenant):
    response = _open(auth_app, "nonsense", Accept="application/json")
    assert response.status_code == 401
    assert response.json["error"] == "panel_expired"
    assert response.json["message"] == "This panel has expired: reload the CRM page."


def test_each_launch_refreshes_the_users_name_email_and_admin_flag(auth_app, tenant):
    client = auth_app.test_client()
    client.get(signed_url(tenant, "admin", user_claim("pat", admin=True, name="Pat")))
    client.get(signed_url(tenant, "contact", user_claim("pat", name="Pat Jones", email="p@j.nz")))
    with auth_app.app_context():
        users = list(get_session().scalars(select(User).where(User.workspace_id == tenant.id)))
    assert [(u.name, u.email, u.is_admin) for u in users] == [("Pat Jones", "p@j.nz", False)]


def test_sign_launch_token_makes_the_documented_claims(auth_app, tenant):
    token = sign_launch_token(
        tenant.id,
        tenant.secret,
        user=user_claim("rep-1"),
        record=record_claim("deal"),
        panel="deal",
        now=NOW,
    )
    decoded = jwt.decode(token, OctKey.import_key(tenant.secret), algorithms=["HS256"])
    assert decoded.header["alg"] == "HS256"
    claims = decoded.claims
    assert claims["iss"] == tenant.id and claims["aud"] == "xero-widget"
    assert claims["sub"] == "rep-1" and claims["panel"] == "deal"
    assert claims["exp"] - claims["iat"] == 300 and claims["iat"] == _stamp(NOW)
    assert len(claims["jti"]) >= 16
