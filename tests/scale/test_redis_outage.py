"""Redis away for a while: panels keep answering (sessions from the database, nothing cached
that could go stale), a revoked grant is still refused, and everything recovers without a
restart. The Redis here is the test's own server on its own port, stopped and started again."""

from __future__ import annotations

import time

from tests.auth.fixtures import grant, launch, make_tenant
from tests.conftest import make_test_app
from tests.scale.waiting import eventually


def test_panels_answer_while_redis_is_down_and_recover_when_it_is_back(tmp_path, own_redis):
    app = make_test_app(
        f"sqlite:///{tmp_path / 'widget.sqlite3'}", REDIS_URL=own_redis.url,
        REDIS_KEY_PREFIX="outage:",
    )  # fmt: skip
    cache = app.extensions["auth_session_cache"]
    try:
        assert eventually(lambda: cache.usable)
        tenant = make_tenant(app)
        panel = launch(app, tenant, "contact", user_id="rep-5", access="view")
        assert panel.get("/contact").status_code == 200
        assert cache.get(_digest(panel.token)) is not None  # cached while Redis listens

        own_redis.stop()
        assert eventually(lambda: not cache.usable, seconds=5)
        for _ in range(5):
            began = time.monotonic()
            assert panel.get("/contact").status_code == 200
            assert time.monotonic() - began < 2.0
        grant(app, tenant, "rep-5", "none")  # its message cannot be published now...
        assert panel.get("/contact").status_code == 403  # ...and is not needed: no cache in use
        fresh = launch(app, tenant, "admin", user_id="boss", admin=True)  # launches work too
        assert fresh.get("/admin").status_code == 200

        own_redis.start()
        assert eventually(lambda: cache.usable, seconds=10)
        grant(app, tenant, "rep-5", "view")
        assert panel.get("/contact").status_code == 200
        assert cache.get(_digest(panel.token)) is not None  # caching again
        grant(app, tenant, "rep-5", "none")
        assert panel.get("/contact").status_code == 403
    finally:
        cache.stop()
        app.extensions["db_engine"].dispose()


def _digest(token: str) -> str:
    from widget.auth.sessions import hash_token

    return hash_token(token)
