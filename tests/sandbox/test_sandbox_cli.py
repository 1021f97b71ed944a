"""`flask sandbox …` commands, through Flask's CLI runner on an app of their own."""

import re

import pytest

from tests.conftest import make_test_app


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sandbox-cli")
    application = make_test_app(f"sqlite:///{folder / 'widget.sqlite3'}")
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(args=["sandbox", *args])

    return invoke


def test_orgs_lists_tenant_ids(run, app):
    result = run("orgs")
    assert result.exit_code == 0
    for org in app.extensions["sandbox"].organisations():
        assert f"{org.tenant_id}  {org.name}" in result.output


def test_token_prints_a_working_token_and_curl(run, app):
    result = run("token", "--org", "DEMO COMPANY (UK")  # a unique prefix, any case
    assert result.exit_code == 0, result.output
    uk = app.extensions["sandbox"].find_org("Demo Company (UK)")
    assert f"tenant id:     {uk.tenant_id}" in result.output
    token = re.search(r"access token:  (\S+)", result.output).group(1)
    assert f"Authorization: Bearer {token}" in result.output
    assert "/api.xero.com/api.xro/2.0/Organisation" in result.output
    response = app.test_client().get(
        "/sandbox/xero/api.xero.com/api.xro/2.0/Organisation",
        headers={"Authorization": f"Bearer {token}", "xero-tenant-id": uk.tenant_id},
    )
    assert response.status_code == 200
    assert response.get_json()["Organisations"][0]["Name"] == "Demo Company (UK)"


def test_token_refuses_an_ambiguous_or_unknown_org(run):
    assert run("token", "--org", "Demo").exit_code != 0
    result = run("token", "--org", "Nowhere Ltd")
    assert result.exit_code != 0 and "matches none" in result.output


def test_fault_sets_shows_and_clears(run, app):
    faults = app.extensions["sandbox"].faults
    result = run(
        "fault",
        "--org",
        "Demo Company (NZ)",
        "--latency-ms",
        "200",
        "--error-rate",
        "0.3",
        "--force-429",
        "3",
        "--problem",
        "concurrent",
        "--revoke",
        "--commit-then-fail",
        "503",
        "--fail-writes",
        "2",
    )
    assert result.exit_code == 0, result.output
    state = faults.get("Demo Company (NZ)")
    assert state["latency_ms"] == 200 and state["error_rate"] == 0.3
    assert state["force_429"] == 3 and state["force_429_problem"] == "concurrent"
    assert state["revoked"] is True
    assert (state["commit_then_fail"], state["commit_then_fail_count"]) == ("503", 2)
    assert run("fault", "--org", "narnia", "--force-429", "always").exit_code != 0  # no such org
    assert run("fault", "--org", "company", "--force-429", "always").exit_code != 0  # several
    assert run("fault", "--org", "Demo Company (NZ)", "--force-429", "always").exit_code == 0
    assert faults.get("Demo Company (NZ)")["force_429"] == -1
    assert run("fault", "--org", "Demo Company (NZ)", "--force-429", "x").exit_code != 0
    assert run("fault", "--org", "Demo Company (NZ)", "--clear").exit_code == 0
    assert faults.get("Demo Company (NZ)")["revoked"] is False


def test_reset_reseeds_and_forgets(run, app):
    sandbox = app.extensions["sandbox"]
    tokens = sandbox.token("Demo Company (NZ)")
    result = run("reset")
    assert result.exit_code == 0
    assert "Demo Company (NZ): 165 contacts, 300 invoices, 95 quotes" in result.output
    assert sandbox.grants.authenticate(tokens.access_token) == "invalid"
    assert len(sandbox.organisations()) == 3
