"""Each of the client's exceptions, provoked in the sandbox: not found, 403, 429 (forced and by
real counting), 5xx, timeouts, connection failures and a malformed query; and the remaining-call
figures recorded on the way, in memory and in the database."""

import socket
import threading
import time
import uuid

import pytest

from widget.xero import (
    RateLimitRemaining,
    XeroClient,
    XeroEndpoints,
    XeroNeedsReauthorisation,
    XeroNotFound,
    XeroRateLimited,
    XeroRequestError,
    XeroUnavailable,
)
from widget.xero_usage import DatabaseUsageRecorder

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")


def test_missing_documents_are_not_found(xero, spec_check):
    for read in (xero.contact, xero.invoice, xero.quote):
        with pytest.raises(XeroNotFound):
            read(str(uuid.uuid4()))
    assert spec_check.requests_only == 3


def test_an_organisation_the_token_does_not_cover_is_forbidden(
    endpoints, sandbox_token, spec_check
):
    stranger = XeroClient(
        endpoints, str(uuid.uuid4()), lambda: sandbox_token.access_token, session=spec_check.session
    )
    with pytest.raises(XeroNeedsReauthorisation) as caught:
        stranger.organisation()
    assert caught.value.status == 403 and "AuthenticationUnsuccessful" in str(caught.value)
    assert sandbox_token.access_token not in str(caught.value)


def test_a_revoked_organisation_needs_reauthorisation(xero, sandbox_reset, sandbox_token):
    sandbox_reset.faults.set(sandbox_token.tenant_id, revoked=True)
    with pytest.raises(XeroNeedsReauthorisation):
        xero.contacts(page=1)


@pytest.mark.parametrize("problem", ["minute", "day", "concurrent", "appminute"])
def test_a_429_is_raised_with_its_problem_and_not_retried(
    xero, spec_check, recorder, sandbox_reset, sandbox_token, problem
):
    xero.currencies()
    before = recorder.latest(sandbox_token.tenant_id)
    sandbox_reset.faults.set(sandbox_token.tenant_id, force_429=1, force_429_problem=problem)
    with pytest.raises(XeroRateLimited) as caught:
        xero.invoices(page=1)
    assert caught.value.problem == problem and caught.value.retry_after >= 1
    assert spec_check.validated == 2  # one 429, never retried
    assert recorder.latest(sandbox_token.tenant_id) == before  # a forced 429 counts no call
    assert xero.currencies()  # the next call goes through


def test_the_minute_limit_counts_real_calls(
    xero, recorder, live_server, sandbox_reset, sandbox_token, monkeypatch
):
    monkeypatch.setitem(live_server.app.config, "SANDBOX_MINUTE_LIMIT", 3)
    for _ in range(3):
        xero.currencies()
    assert recorder.latest(sandbox_token.tenant_id).minute_remaining == 0
    with pytest.raises(XeroRateLimited) as caught:
        xero.currencies()
    assert caught.value.problem == "minute" and 1 <= caught.value.retry_after <= 60


def test_the_concurrent_limit(endpoints, sandbox_token, live_server, sandbox_reset, monkeypatch):
    monkeypatch.setitem(live_server.app.config, "SANDBOX_CONCURRENT_LIMIT", 1)
    sandbox_reset.faults.set(sandbox_token.tenant_id, latency_ms=300)
    client = XeroClient(endpoints, sandbox_token.tenant_id, lambda: sandbox_token.access_token)
    outcomes = []

    def call():
        try:
            client.currencies()
            outcomes.append("ok")
        except XeroRateLimited as exc:
            outcomes.append(exc.problem)

    threads = [threading.Thread(target=call) for _ in range(2)]
    threads[0].start()
    time.sleep(0.1)  # the first call is in flight for 300 ms
    threads[1].start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["concurrent", "ok"]


def test_server_errors_are_unavailable(xero, spec_check, recorder, sandbox_reset, sandbox_token):
    sandbox_reset.faults.set(sandbox_token.tenant_id, error_rate=1.0, seed=7)
    statuses = set()
    for _ in range(4):
        with pytest.raises(XeroUnavailable) as caught:
            xero.accounts()
        statuses.add(caught.value.status)
    assert statuses <= {500, 503} and statuses
    assert spec_check.requests_only == 4
    assert recorder.latest(sandbox_token.tenant_id).day_remaining is not None
    assert recorder.last_success_at(sandbox_token.tenant_id) is None


def test_a_slow_xero_times_out_as_unavailable(endpoints, sandbox_token, sandbox_reset):
    sandbox_reset.faults.set(sandbox_token.tenant_id, latency_ms=600)
    client = XeroClient(
        endpoints, sandbox_token.tenant_id, lambda: sandbox_token.access_token, timeout=0.15
    )
    started = time.perf_counter()
    with pytest.raises(XeroUnavailable, match="did not answer within 0.15s"):
        client.organisation()
    assert time.perf_counter() - started < 0.5


def test_an_unreachable_xero_is_unavailable(sandbox_token):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}/api.xero.com"
    endpoints = XeroEndpoints(base, base, base, f"{base}/connections", f"{base}/api.xro/2.0")
    client = XeroClient(endpoints, sandbox_token.tenant_id, lambda: "token", timeout=1)
    with pytest.raises(XeroUnavailable, match="could not reach Xero"):
        client.organisation()


def test_a_malformed_where_is_our_bug(xero, spec_check):
    # The public methods only build well-formed filters; this is the path they would take.
    with pytest.raises(XeroRequestError, match="could not parse"):
        xero._request("GET", "Contacts", params={"where": 'Name=="x" AND'})
    assert spec_check.requests_only == 1


def test_database_recorder_keeps_the_figures_of_success_and_failure(
    endpoints, sandbox_token, live_server, sandbox_reset, spec_check
):
    recorder = DatabaseUsageRecorder(live_server.app.extensions["db_sessionmaker"])
    client = XeroClient(
        endpoints,
        sandbox_token.tenant_id,
        lambda: sandbox_token.access_token,
        session=spec_check.session,
        recorder=recorder,
    )
    client.currencies()
    client.currencies()
    row = recorder.latest(sandbox_token.tenant_id)
    assert row.minute_remaining == live_server.app.config["SANDBOX_MINUTE_LIMIT"] - 2
    assert row.day_remaining is not None and row.app_minute_remaining is not None
    succeeded_at = row.last_success_at
    assert succeeded_at is not None

    sandbox_reset.faults.set(sandbox_token.tenant_id, error_rate=1.0)
    with pytest.raises(XeroUnavailable):
        client.currencies()
    after = recorder.latest(sandbox_token.tenant_id)
    assert after.last_success_at == succeeded_at
    assert after.updated_at > row.updated_at
    assert after.minute_remaining == row.minute_remaining - 1  # the failed call counted too
    assert recorder.remaining(sandbox_token.tenant_id) == RateLimitRemaining(
        after.day_remaining, after.minute_remaining, after.app_minute_remaining
    )
