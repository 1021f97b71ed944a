"""The budget governor on Redis: two governors (as two workers or hosts would have, each with its
own connection) share one organisation's limits; with Redis away, Xero calls pause (XeroBusy)
while panels keep answering from the mirror, and all recovers without a restart. The Redis is the
test's own server on its own port, stopped and started again."""

from __future__ import annotations

import re
import secrets
import threading
import time
from contextlib import ExitStack

import pytest
import requests

from tests.mirror.support import connect, serve_mirror, synced
from tests.scale.waiting import eventually
from widget.auth.launch import sign_launch_token
from widget.contact import mirrored
from widget.shared.redis import SharedRedis
from widget.xero.governor import (
    Governor,
    GovernorSettings,
    WaitingForXero,
    XeroBudgetLow,
    XeroBusy,
)
from widget.xero.governor_redis import RedisGovernorStore

TENANT = "tenant-shared"
SETTINGS = GovernorSettings(server_share=10, max_waiting=10, wait_seconds=0.2)


def _governors(url: str, count: int = 2) -> list[Governor]:
    prefix = f"gov-{secrets.token_hex(3)}:"
    return [Governor(RedisGovernorStore(SharedRedis(url, prefix)), SETTINGS) for _ in range(count)]


def _answer(status: int, **headers: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers)
    return response


def test_two_governors_share_the_calls_in_flight_and_the_holds(own_redis):
    first, second = _governors(own_redis.url)
    with ExitStack() as held:
        for governor in (first, first, first, second, second):
            held.enter_context(governor.permit(TENANT, workspace_id=None))
        assert first.in_flight(TENANT) == second.in_flight(TENANT) == 5
        with pytest.raises(XeroBusy), second.permit(TENANT):
            pass  # a sixth call, from either process, waits and is refused
    assert second.in_flight(TENANT) == 0
    with second.permit(TENANT):
        pass
    first.answered(TENANT, _answer(429, **{"Retry-After": "30", "X-Rate-Limit-Problem": "minute"}))
    with pytest.raises(WaitingForXero) as held_back, second.permit(TENANT):
        pass
    assert held_back.value.retry_after == 30 and held_back.value.problem == "minute"


def test_the_minute_budget_is_counted_down_by_every_process(own_redis):
    first, second = _governors(own_redis.url)
    first.answered(TENANT, _answer(200, **{"X-MinLimit-Remaining": "4"}))
    for governor in (first, second, first, second):
        with governor.permit(TENANT):
            pass
    with pytest.raises(XeroBudgetLow) as refused, second.permit(TENANT):
        pass  # the fifth call: Xero said 4 were left, and four went, two from each
    assert refused.value.problem == "minute"


def test_calls_pause_while_redis_is_away_and_resume_when_it_is_back(own_redis):
    (governor,) = _governors(own_redis.url, 1)
    with governor.permit(TENANT):
        pass
    own_redis.stop()
    for _ in range(3):
        began = time.monotonic()
        with pytest.raises(XeroBusy), governor.permit(TENANT):
            pytest.fail("a call ran ungoverned")
        assert time.monotonic() - began < 1.5
    own_redis.start()

    def permitted() -> bool:
        try:
            with governor.permit(TENANT):
                return True
        except XeroBusy:
            return False

    assert eventually(permitted, seconds=10)  # the same objects: no restart


SESSION = re.compile(r'<meta name="widget-session" content="([^"]+)"')


def _open_contact(server, connected, crm_id: str) -> str:
    """A contact panel launched as a CRM does; the page and its figures fragment."""
    user = {"id": "rep-outage", "name": "Rep", "admin": True}
    record = {"type": "contact", "id": crm_id, "name": "Outage Contact"}
    token = sign_launch_token(
        connected.workspace_id, connected.secret, user=user, record=record, panel="contact"
    )
    page = requests.get(f"{server.url}/contact", params={"token": token}, timeout=30)
    assert page.status_code == 200
    summary = requests.get(
        f"{server.url}/contact/summary",
        headers={"X-Widget-Session": SESSION.search(page.text).group(1), "HX-Request": "true"},
        timeout=30,
    )
    assert summary.status_code == 200
    return page.text + summary.text


def test_panels_answer_from_the_mirror_while_redis_is_away(tmp_path_factory, own_redis, caplog):
    served = serve_mirror(
        tmp_path_factory, "sqlite", REDIS_URL=own_redis.url, REDIS_KEY_PREFIX="outage-mirror:",
        MIRROR_SYNC_ON_OPEN=True, MIRROR_FRESHNESS_SECONDS=0,
    )  # fmt: skip
    server = next(served)
    try:
        connected = connect(server)
        synced(server, connected)
        xero_id = _owing_contact(server, connected.tenant_id)
        crm_id = _link(server, connected, xero_id)
        assert "Error fetching details" not in _open_contact(server, connected, crm_id)

        own_redis.stop()
        mark = server.meter.mark()
        for _ in range(3):
            mirrored._asked.clear()  # each open asks for a sync (queued on the Redis that is away)
            began = time.monotonic()
            text = _open_contact(server, connected, crm_id)
            assert "Error fetching details" not in text
            assert len(re.findall("data-figure=", text)) >= 5
            assert time.monotonic() - began < 3.0
        assert server.meter.since(mark) == []  # nothing reached Xero ungoverned
        fallen_back = [r for r in caplog.records if "the panel reads Xero" in r.getMessage()]
        assert fallen_back == []  # the panels stayed on the mirror (the sync just not queued)

        own_redis.start()
        assert "Error fetching details" not in _open_contact(server, connected, crm_id)
    finally:
        next(served, None)


def _owing_contact(server, tenant_id: str) -> str:
    from bench.contact_panel import owing_contacts

    return owing_contacts(server.app, tenant_id, 1)[0]


def _link(server, connected, xero_id: str) -> str:
    from widget.contact import links
    from widget.db import get_session

    crm_id = f"crm-{secrets.token_hex(4)}"
    with server.app.app_context():
        db = get_session()
        key = links.LinkKey(connected.workspace_id, connected.tenant_id, crm_id)
        links.link(db, key, xero_id, "", None)
        db.commit()
    return crm_id


def test_under_contention_no_more_than_five_calls_are_ever_in_flight(own_redis):
    governors = _governors(own_redis.url, 2)
    lock = threading.Lock()
    state = {"now": 0, "peak": 0, "done": 0, "busy": 0}

    def caller(governor: Governor) -> None:
        for _ in range(6):
            try:
                with governor.permit(TENANT):
                    with lock:
                        state["now"] += 1
                        state["peak"] = max(state["peak"], state["now"])
                    time.sleep(0.02)
                    with lock:
                        state["now"] -= 1
                        state["done"] += 1
            except XeroBusy:
                with lock:
                    state["busy"] += 1

    threads = [threading.Thread(target=caller, args=(governors[i % 2],)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert state["peak"] == 5  # reached, never passed, across both "processes"
    assert state["done"] + state["busy"] == 96 and state["done"] >= 30
