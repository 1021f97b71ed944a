"""The demo workspace the demo CRM page embeds panels with, made without any setup."""

from tests.conftest import make_test_app
from widget.auth.launch import launch_url
from widget.auth.workspaces import (
    current_secret,
    ensure_demo_workspace,
    find_workspace,
    origins_of,
    set_origins,
)
from widget.db import get_session

ORIGINS = ["http://localhost:5000", "http://127.0.0.1:5000"]


def test_ensure_demo_workspace_creates_it_once_and_keeps_added_origins(auth_app):
    with auth_app.app_context():
        db = get_session()
        workspace = ensure_demo_workspace(db, ORIGINS)
        secret = current_secret(db, "demo")
        assert workspace.id == "demo" and origins_of(workspace) == ORIGINS
        set_origins(db, "demo", [*ORIGINS, "https://crm.example.com"])
        db.commit()
        again = ensure_demo_workspace(db, ["http://localhost:5000", "http://localhost:5001"])
        assert origins_of(again) == [*ORIGINS, "https://crm.example.com", "http://localhost:5001"]
        assert current_secret(db, "demo") == secret  # not rotated behind the demo page's back


def test_the_demo_workspace_launches_panels(auth_app):
    with auth_app.app_context():
        db = get_session()
        ensure_demo_workspace(db, ORIGINS)
        url = launch_url(
            "",
            "demo",
            "contact",
            {"id": "demo-admin", "name": "Demo Admin", "admin": True},
            {"type": "contact", "id": "p1", "name": "Pat Demo"},
            secret=current_secret(db, "demo"),
        )
    response = auth_app.test_client().get(url)
    assert response.status_code == 200
    assert (
        "frame-ancestors http://localhost:5000 http://127.0.0.1:5000"
        in response.headers["Content-Security-Policy"]
    )


def test_an_app_on_its_defaults_makes_the_demo_workspace_on_first_request(tmp_path):
    app = make_test_app(
        f"sqlite:///{tmp_path / 'widget.sqlite3'}",
        DEMO_WORKSPACE=True,
        DEMO_WORKSPACE_ORIGINS="http://localhost:5055 http://127.0.0.1:5055",
    )
    with app.app_context():
        assert find_workspace(get_session(), "demo") is None
    assert app.test_client().get("/healthz").status_code == 200
    with app.app_context():
        workspace = find_workspace(get_session(), "demo")
        assert origins_of(workspace) == ["http://localhost:5055", "http://127.0.0.1:5055"]
    app.extensions["db_engine"].dispose()


def test_tests_get_no_demo_workspace_by_default(app):
    assert app.config["DEMO_WORKSPACE"] is False
    assert app.test_client().get("/healthz").status_code == 200
    with app.app_context():
        assert find_workspace(get_session(), "demo") is None
