"""Security headers: CSP (framing by the launched workspace only, strict scripts), no Referer,
no caching of private pages, nosniff; pages that obey the CSP (no inline script or style)."""

import re

import pytest
from flask import Blueprint

from tests.auth.fixtures import launch, make_tenant, signed_url, user_claim
from tests.conftest import make_test_app
from widget import assets, security
from widget.auth.access import public


def _csp(response) -> dict[str, str]:
    directives = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value
    return directives


def _assert_common(response) -> None:
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    csp = _csp(response)
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == f"'self' {assets.HTMX_URL}"
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert csp["base-uri"] == "'none'" and csp["object-src"] == "'none'"


def test_a_launched_panel_may_be_framed_only_by_its_workspace_origins(auth_app):
    tenant = make_tenant(auth_app, origins=("https://crm.example.com", "https://eu.crm.example"))
    panel = launch(auth_app, tenant, "contact", access="view")
    for response in (panel.launch_response, panel.get("/contact")):
        _assert_common(response)
        assert _csp(response)["frame-ancestors"] == "https://crm.example.com https://eu.crm.example"
        assert response.headers["Cache-Control"] == "no-store"


def test_the_no_access_page_is_framed_by_its_workspace_too(auth_app, tenant):
    response = launch(auth_app, tenant, "contact").launch_response
    assert response.status_code == 403
    assert _csp(response)["frame-ancestors"] == "https://crm.example.com"


def test_a_refused_token_of_a_known_workspace_can_still_show_its_message_in_the_crm(
    auth_app, tenant
):
    url = signed_url(tenant, "contact", user_claim(admin=True), secret="x" * 40)
    response = auth_app.test_client().get(url)
    assert response.status_code == 401
    assert _csp(response)["frame-ancestors"] == "https://crm.example.com"


def test_anything_else_may_not_be_framed(auth_app):
    for path in ("/healthz", "/contact", "/contact?token=rubbish", "/no-such-page"):
        response = auth_app.test_client().get(path)
        _assert_common(response)
        assert _csp(response)["frame-ancestors"] == "'none'", path
        assert response.headers["Cache-Control"] == "no-store", path


def test_static_files_are_cacheable_but_still_nosniff(auth_app):
    response = auth_app.test_client().get("/static/widget.js")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style|\sstyle\s*=", re.IGNORECASE)


def test_our_pages_need_no_inline_script_or_style(auth_app, tenant):
    admin = launch(auth_app, tenant, "admin", user_id="boss", admin=True)
    member = launch(auth_app, tenant, "contact", user_id="rep-2")
    pages = [
        admin.launch_response,
        member.launch_response,
        launch(auth_app, tenant, "deal", access="view").launch_response,
        auth_app.test_client().get("/contact?token=bad"),
        admin.get("/admin/audit"),
    ]
    for response in pages:
        body = response.get_data(as_text=True)
        assert not INLINE_SCRIPT.search(body), body
        assert not INLINE_HANDLER.search(body), body
        assert not INLINE_STYLE.search(body), body


def test_pages_load_the_pinned_htmx_and_the_session_hook(auth_app, tenant):
    body = launch(auth_app, tenant, "contact", access="view").launch_response.get_data(as_text=True)
    assert f'src="{assets.HTMX_URL}"' in body
    assert f'integrity="{assets.HTMX_INTEGRITY}"' in body
    assert body.index("/static/widget.js") < body.index(assets.HTMX_URL)
    assert '<meta name="referrer" content="no-referrer">' in body


def test_widget_js_uses_htmx_4s_event_and_drops_the_launch_token():
    from pathlib import Path

    script = (Path(__file__).resolve().parents[2] / "static" / "widget.js").read_text()
    assert 'addEventListener("htmx:config:request"' in script
    assert "event.detail.ctx" in script and "request.headers[SESSION_HEADER]" in script
    assert "history.replaceState" in script and 'searchParams.delete("token")' in script
    assert 'addEventListener("htmx:configRequest"' not in script  # htmx 1/2's name


def test_a_blueprint_can_register_its_own_policy(tmp_path):
    blueprint = Blueprint("csp_demo_test", __name__)

    @blueprint.get("/csp-demo-test")
    @public
    def page():
        return "ok"

    security.register_csp("csp_demo_test", {"frame-src": "http://127.0.0.1:5000", "img-src": None})
    app = make_test_app(f"sqlite:///{tmp_path / 'widget.sqlite3'}")
    app.register_blueprint(blueprint)
    client = app.test_client()
    overridden = _csp(client.get("/csp-demo-test"))
    assert overridden["frame-src"] == "http://127.0.0.1:5000"
    assert "img-src" not in overridden
    assert overridden["script-src"] == f"'self' {assets.HTMX_URL}"
    ordinary = _csp(client.get("/healthz"))
    assert "frame-src" not in ordinary and ordinary["img-src"] == "'self' data:"
    app.extensions["db_engine"].dispose()


@pytest.mark.parametrize("blueprint", ["sandbox"])
def test_the_sandbox_consent_form_may_redirect_anywhere_like_xeros(blueprint):
    policy = security.policy_for(blueprint, None)
    assert "form-action 'self' http: https:" in policy
    assert "frame-ancestors 'none'" in policy
