"""Every route of the app declares its access exactly once, and the non-public ones refuse:
no session (401), a member without access (403), and grants below what the route needs (403).
Signed server-to-server routes refuse every panel session, an admin's included (401): only a
request signed with the workspace secret passes (tests/crm/test_api_signature.py signs them).

This enumerates `app.url_map`, so a route added anywhere without a declaration, or with a check
that lets the wrong people through, fails here.
"""

import uuid

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter, Rule, UUIDConverter

from tests.auth.fixtures import launch, make_tenant
from widget.auth.access import declarations

IGNORED_METHODS = {"HEAD", "OPTIONS"}
#: who must be refused, per declared level (admins pass everything, so they are not listed)
REFUSED_GRANTS = {"view": ("none",), "edit": ("none", "view"), "admin": ("none", "view", "edit")}
#: panel sessions are no signature: every one of them is refused where a signature is required
SESSIONS = ("none", "view", "edit", "admin")


def _rules(app) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule)


def _path(app, rule: Rule, method: str) -> str:
    """A URL for the rule, with placeholder values each converter accepts."""
    adapter = app.url_map.bind("localhost")
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):  # the app's own subclass too
            values[name] = 1
        elif isinstance(converter, UUIDConverter):
            values[name] = uuid.UUID(int=1)
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = "x"
    return adapter.build(rule.endpoint, values, method=method)


def _calls(app):
    for rule in _rules(app):
        found = declarations(app, rule.endpoint)
        if found == ["public"]:
            continue
        for method in sorted(rule.methods - IGNORED_METHODS):
            yield rule, method, found[0] if len(found) == 1 else None


@pytest.fixture(scope="module")
def sessions(auth_app):
    """One panel session per grant, in one workspace, launched as a CRM would."""
    tenant = make_tenant(auth_app)
    admin = launch(auth_app, tenant, "admin", user_id="the-admin", admin=True)
    members = {
        access: launch(auth_app, tenant, "contact", user_id=f"member-{access}", access=access)
        for access in ("none", "view", "edit")
    }
    return {**members, "admin": admin}


def test_every_route_declares_its_access_exactly_once(auth_app):
    problems = {
        rule.rule: declarations(auth_app, rule.endpoint)
        for rule in _rules(auth_app)
        if len(declarations(auth_app, rule.endpoint)) != 1
    }
    assert problems == {}, "routes without exactly one @public/@require declaration"


def test_the_panel_and_admin_routes_are_protected(auth_app):
    levels = {rule.endpoint: declarations(auth_app, rule.endpoint) for rule in _rules(auth_app)}
    for endpoint in ("contact.panel", "company.panel", "deal.panel"):
        assert levels[endpoint] == ["view"]
    for endpoint in ("admin.index", "admin.audit_log", "admin.change_access"):
        assert levels[endpoint] == ["admin"]


def test_non_public_routes_refuse_a_request_without_a_session(auth_app):
    client = auth_app.test_client()
    checked = 0
    for rule, method, _level in _calls(auth_app):
        response = client.open(_path(auth_app, rule, method), method=method, data={"x": "1"})
        assert response.status_code == 401, (method, rule.rule)
        checked += 1
    assert checked >= 5


def test_non_public_routes_refuse_grants_below_their_level(auth_app, sessions):
    checked = 0
    for rule, method, level in _calls(auth_app):
        if level == "signed":
            continue
        for access in REFUSED_GRANTS[level]:
            response = sessions[access].open(_path(auth_app, rule, method), method, data={"x": "1"})
            assert response.status_code == 403, (method, rule.rule, access)
            checked += 1
    assert checked >= 10


def test_signed_routes_refuse_every_panel_session_and_unsigned_calls(auth_app, sessions):
    signed = [(rule, method) for rule, method, level in _calls(auth_app) if level == "signed"]
    assert {rule.rule for rule, _method in signed} >= {"/api/crm/contacts", "/api/crm/users"}
    for rule, method in signed:
        for access in SESSIONS:
            path = _path(auth_app, rule, method)
            response = sessions[access].open(path, method, json={"contacts": [], "users": []})
            assert response.status_code == 401, (method, rule.rule, access)
            assert response.is_json and response.json["error"] == "unsigned"


def test_the_crm_api_is_signed_only(auth_app):
    for endpoint in ("crm_api.put_contacts", "crm_api.put_users"):
        assert declarations(auth_app, endpoint) == ["signed"]


def test_a_route_without_a_declaration_is_refused_and_reported(auth_app, tmp_path):
    from tests.conftest import make_test_app

    app = make_test_app(f"sqlite:///{tmp_path / 'widget.sqlite3'}")

    @app.get("/forgotten")
    def forgotten():
        return "secret data"

    assert declarations(app, "forgotten") == []
    response = app.test_client().get("/forgotten")
    assert response.status_code == 403 and b"secret data" not in response.data
    app.extensions["db_engine"].dispose()


def test_declaring_access_twice_fails_at_import_time():
    from widget.auth.access import public, require, signed

    def view():
        return ""

    with pytest.raises(TypeError, match="already declares"):
        require("view")(public(view))
    with pytest.raises(TypeError, match="already declares"):
        signed(lambda: None)(public(lambda: ""))
    with pytest.raises(ValueError, match="access level"):
        require("owner")
