"""Limits, injected faults and idempotency on the live sandbox (small limits set per test)."""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
import requests

from tests.conftest import SANDBOX_CLIENT, obtain_tokens
from tests.sandbox.helpers import Api, assert_problem

NZ = "Demo Company (NZ)"


@pytest.fixture
def api(live_server, sandbox_token):
    return Api(live_server.sandbox_url, sandbox_token)


def invoice_body(api, reference: str) -> dict:
    contact = api.get("Contacts", params={"page": 1, "pageSize": 1}).json()["Contacts"][0]
    return {
        "Invoices": [
            {
                "Type": "ACCREC",
                "Contact": {"ContactID": contact["ContactID"]},
                "Reference": reference,
                "LineItems": [{"Description": "Work", "UnitAmount": 10, "AccountCode": "200"}],
            }
        ]
    }


def count_by_reference(api, reference: str) -> int:
    where = f'Reference=="{reference}"'
    return len(api.get("Invoices", params={"where": where}).json()["Invoices"])


def test_day_limit(api, live_server, monkeypatch):
    monkeypatch.setitem(live_server.app.config, "SANDBOX_DAILY_LIMIT", 2)
    assert api.get("Currencies").headers["X-DayLimit-Remaining"] == "1"
    api.get("Currencies")
    refused = api.get("Currencies", spec=False)
    assert_problem(refused, 429, "Rate limit exceeded")
    assert refused.headers["X-Rate-Limit-Problem"] == "day"
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.headers["X-DayLimit-Remaining"] == "0"


def test_day_window_rolls_per_organisation_not_at_midnight(
    api, live_server, sandbox_reset, monkeypatch
):
    monkeypatch.setitem(live_server.app.config, "SANDBOX_DAILY_LIMIT", 2)
    first_call = sandbox_reset.clock.now()
    api.get("Currencies")
    api.get("Currencies")
    refused = api.get("Currencies", spec=False)
    assert refused.status_code == 429 and refused.headers["X-Rate-Limit-Problem"] == "day"
    assert 86000 <= int(refused.headers["Retry-After"]) <= 86400
    # past the next UTC midnight, but not 24 hours after the first call: still refused
    midnight = datetime.combine(first_call.date() + timedelta(days=1), datetime.min.time())
    to_midnight = (midnight - sandbox_reset.clock.now()).total_seconds()
    if to_midnight < 86400 - 600:
        sandbox_reset.clock.advance(seconds=to_midnight + 120)
        fresh = Api(live_server.sandbox_url, obtain_tokens(live_server.sandbox_url))
        assert fresh.get("Currencies", spec=False).status_code == 429
        other = obtain_tokens(live_server.sandbox_url, ["Demo Company (UK)"])
        assert Api(live_server.sandbox_url, other).get("Currencies").status_code == 200
    sandbox_reset.clock.offset = (first_call + timedelta(days=1, seconds=5)) - (
        sandbox_reset.clock.now() - sandbox_reset.clock.offset
    )
    fresh = Api(live_server.sandbox_url, obtain_tokens(live_server.sandbox_url))
    assert fresh.get("Currencies").status_code == 200


def test_minute_window_rolls_with_the_clock(api, live_server, sandbox_reset, monkeypatch):
    monkeypatch.setitem(live_server.app.config, "SANDBOX_MINUTE_LIMIT", 1)
    api.get("Currencies")
    assert api.get("Currencies", spec=False).status_code == 429
    sandbox_reset.clock.advance(seconds=61)
    assert api.get("Currencies").status_code == 200


def test_limits_are_per_organisation(live_server, sandbox_reset, monkeypatch):
    from tests.conftest import obtain_tokens

    monkeypatch.setitem(live_server.app.config, "SANDBOX_MINUTE_LIMIT", 1)
    tokens = obtain_tokens(live_server.sandbox_url, [NZ, "Demo Company (UK)"])
    api = Api(live_server.sandbox_url, tokens)
    assert api.get("Currencies").status_code == 200
    assert api.get("Currencies", spec=False).status_code == 429
    assert api.get("Currencies", tenant=tokens.tenants["Demo Company (UK)"]).status_code == 200


def test_concurrent_limit(api, live_server, sandbox_reset, monkeypatch):
    monkeypatch.setitem(live_server.app.config, "SANDBOX_CONCURRENT_LIMIT", 2)
    sandbox_reset.faults.set(NZ, latency_ms=300)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: api.get("Currencies", spec=False), range(4)))
    refused = [a for a in answers if a.status_code == 429]
    assert refused and all(a.headers["X-Rate-Limit-Problem"] == "concurrent" for a in refused)
    assert all("Retry-After" not in a.headers for a in refused)  # Xero sends none for these
    assert sum(a.status_code == 200 for a in answers) >= 2


def test_latency_fault(api, sandbox_reset):
    sandbox_reset.faults.set(NZ, latency_ms=250)
    started = time.monotonic()
    assert api.get("Currencies").status_code == 200
    assert time.monotonic() - started >= 0.25


def test_error_rate_is_repeatable_with_a_seed(api, sandbox_reset):
    def run() -> list[int]:
        sandbox_reset.faults.clear(NZ)
        sandbox_reset.faults.set(NZ, error_rate=0.5, seed=42)
        sandbox_reset.limits.reset()
        return [api.get("Currencies", spec=False).status_code for _ in range(20)]

    first = run()
    assert set(first) == {200, 500, 503}
    assert run() == first
    sandbox_reset.faults.set(NZ, error_rate=1)
    failed = api.get("Currencies", spec=False)
    assert_problem(failed, failed.status_code, "")
    assert failed.status_code in (500, 503)


def test_forced_429s(api, sandbox_reset):
    sandbox_reset.faults.set(NZ, force_429=2, force_429_problem="day")
    for _ in range(2):
        refused = api.get("Currencies", spec=False)
        assert refused.status_code == 429 and refused.headers["X-Rate-Limit-Problem"] == "day"
        assert refused.headers["Retry-After"] == "1"
    assert api.get("Currencies").status_code == 200
    sandbox_reset.faults.set(NZ, force_429=-1)
    assert all(api.get("Currencies", spec=False).status_code == 429 for _ in range(3))


def test_commit_then_fail_creates_once_and_a_retry_with_the_key_gets_it(api, sandbox_reset):
    reference = f"ctf-{uuid.uuid4().hex[:8]}"
    body, key = invoice_body(api, reference), uuid.uuid4().hex
    sandbox_reset.faults.set(NZ, commit_then_fail="503", commit_then_fail_count=1)
    failed = api.put("Invoices", body, headers={"Idempotency-Key": key}, spec=False)
    assert failed.status_code == 503
    assert count_by_reference(api, reference) == 1  # it was created all the same
    retried = api.put("Invoices", body, headers={"Idempotency-Key": key})
    assert retried.status_code == 200
    assert retried.json()["Invoices"][0]["Reference"] == reference
    assert count_by_reference(api, reference) == 1


def test_commit_then_time_out(api, sandbox_reset):
    reference = f"slow-{uuid.uuid4().hex[:8]}"
    sandbox_reset.faults.set(NZ, commit_then_fail="timeout", timeout_ms=800)
    with pytest.raises(requests.Timeout):
        requests.put(
            api.url("Invoices"),
            json=invoice_body(api, reference),
            headers=api.tokens.headers(),
            timeout=0.3,
        )
    time.sleep(0.6)  # let the server finish answering nobody
    assert count_by_reference(api, reference) == 1


def test_idempotency_keys_are_forgotten_after_their_window(
    api, sandbox_reset, live_server, monkeypatch
):
    monkeypatch.setitem(live_server.app.config, "SANDBOX_IDEMPOTENCY_SECONDS", 60)
    reference, key = f"idem-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    body = invoice_body(api, reference)
    api.put("Invoices", body, headers={"Idempotency-Key": key})
    sandbox_reset.clock.advance(seconds=30)
    api.put("Invoices", body, headers={"Idempotency-Key": key})
    assert count_by_reference(api, reference) == 1
    sandbox_reset.clock.advance(seconds=31)
    api.put("Invoices", body, headers={"Idempotency-Key": key})
    assert count_by_reference(api, reference) == 2


def test_concurrent_retries_with_one_key_create_once(api, sandbox_reset):
    reference, key = f"race-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    body = invoice_body(api, reference)
    sandbox_reset.faults.set(NZ, latency_ms=100)
    barrier = threading.Barrier(4)

    def put(_):
        barrier.wait()
        return api.put("Invoices", body, headers={"Idempotency-Key": key}, spec=False)

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(put, range(4)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.json()["Invoices"][0]["InvoiceID"] for a in answers}) == 1
    assert count_by_reference(api, reference) == 1


def test_keys_belong_to_one_organisation(live_server, sandbox_reset):
    from tests.conftest import obtain_tokens

    tokens = obtain_tokens(live_server.sandbox_url, [NZ, "Demo Company (UK)"])
    api = Api(live_server.sandbox_url, tokens)
    key = uuid.uuid4().hex
    nz = api.put("Contacts", {"Name": f"Key Co {key[:6]}"}, headers={"Idempotency-Key": key})
    uk_tenant = tokens.tenants["Demo Company (UK)"]
    uk = api.put(
        "Contacts",
        {"Name": f"Key Co {key[:6]}"},
        tenant=uk_tenant,
        headers={"Idempotency-Key": key},
    )
    assert nz.status_code == uk.status_code == 200
    assert nz.json()["Contacts"][0]["ContactID"] != uk.json()["Contacts"][0]["ContactID"]


def test_control_endpoint_switches_faults_for_another_process(api, live_server, sandbox_reset):
    control = f"{live_server.sandbox_url}/_control"
    denied = requests.post(f"{control}/faults", json={"org": NZ, "force_429": 1}, timeout=10)
    assert denied.status_code == 401
    wrong = requests.post(
        f"{control}/faults", json={"org": NZ, "error_rate": 3}, auth=SANDBOX_CLIENT, timeout=10
    )
    assert wrong.status_code == 400
    made = requests.post(
        f"{control}/faults",
        json={"org": "demo company (nz", "force_429": 1},
        auth=SANDBOX_CLIENT,
        timeout=10,
    )
    assert made.status_code == 200 and made.json()["force_429"] == 1
    assert api.get("Currencies", spec=False).status_code == 429
    cleared = requests.delete(
        f"{control}/faults", params={"org": NZ}, auth=SANDBOX_CLIENT, timeout=10
    )
    assert cleared.status_code == 200
    assert (
        requests.get(
            f"{control}/faults", params={"org": NZ}, auth=SANDBOX_CLIENT, timeout=10
        ).json()["force_429"]
        == 0
    )
    token = requests.post(
        f"{control}/token", json={"orgs": ["Demo Company (UK)"]}, auth=SANDBOX_CLIENT, timeout=10
    ).json()
    assert token["access_token"] and len(token["tenant_ids"]) == 1
    moved = requests.post(
        f"{control}/clock", json={"advance_seconds": 3600}, auth=SANDBOX_CLIENT, timeout=10
    )
    assert moved.status_code == 200
    assert api.get("Currencies", spec=False).status_code == 401  # an hour later: expired
