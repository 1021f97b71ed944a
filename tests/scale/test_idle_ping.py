"""Pooled PostgreSQL connections are tested only after sitting idle (widget.db): a connection the
server dropped meanwhile is replaced before a request uses it, so the request still answers."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from tests.auth.fixtures import launch, make_tenant
from tests.conftest import POSTGRES_URL, make_test_app
from widget import db


def test_a_connection_dropped_while_idle_is_replaced_before_use(tmp_path, monkeypatch):
    from tests.conftest import _postgres_url

    _postgres_url.used = True
    app = make_test_app(_postgres_url(), f"sqlite:///{tmp_path / 'sandbox.sqlite3'}")
    engine = app.extensions["db_engine"]
    try:
        tenant = make_tenant(app)
        panel = launch(app, tenant, "admin", user_id="boss", admin=True)
        assert panel.get("/admin").status_code == 200
        with engine.connect() as connection:  # the pool's one idle connection, ours alone
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar()
        killer = create_engine(POSTGRES_URL)
        with killer.begin() as connection:
            assert connection.execute(
                text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}
            ).scalar()
        killer.dispose()
        monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)  # it has been idle long enough
        assert panel.get("/admin").status_code == 200
    finally:
        engine.dispose()
