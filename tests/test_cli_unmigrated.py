"""Every CLI command on a database that was never migrated (or is behind) says what to run, and
none prints a traceback: `flask --app wsgi widget …` and `flask --app wsgi sandbox …`, enumerated
from the app's own command groups so commands added later are covered too."""

import pytest
from sqlalchemy import text

from tests.conftest import make_test_app
from widget import create_app

#: arguments that get each known command past click's own checks to the database
ARGS = {
    ("widget", "create-workspace"): ["Acme", "--origin", "https://crm.acme.example"],
    ("widget", "rotate-secret"): ["ws-nope"],
    ("widget", "retire-secrets"): ["ws-nope"],
    ("widget", "set-origins"): ["ws-nope", "--origin", "https://crm.acme.example"],
    ("widget", "launch-url"): ["--workspace", "ws-nope", "--user", "u-1"],
    ("widget", "connect-sandbox"): ["--workspace", "ws-nope", "--org", "Demo Company (NZ)"],
    ("sandbox", "token"): ["--org", "Demo Company (NZ)"],
    ("sandbox", "fault"): ["--org", "Demo Company (NZ)", "--latency-ms", "5"],
}
#: `migrate` is tested below (it is the one that fixes the database); `sandbox serve` runs
#: until stopped (it replaces its process with gunicorn: tests/scale runs it as a subprocess)
SKIPPED = {("widget", "migrate"), ("sandbox", "serve")}


def _app(database_url, sandbox_database_url):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test",
        "TOKEN_ENCRYPTION_KEYS": "Y2hhbmdlLW1lLXRoaXMtaXMtYS10ZXN0LWtleS0zMmI=",
        "DATABASE_URL": database_url,
        "SANDBOX_DATABASE_URL": sandbox_database_url,
        "XERO_USE_SANDBOX": True,
        "SANDBOX_ENABLED": True,
    }
    return create_app(config)


def _commands(app):
    for group in ("widget", "sandbox"):
        for name in sorted(app.cli.commands[group].commands):
            if (group, name) not in SKIPPED:
                yield group, name


def _invoke(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        repr(result.exception),
    )
    return result


@pytest.fixture
def unmigrated(database_url, sandbox_database_url):
    application = _app(database_url, sandbox_database_url)
    yield application
    application.extensions["db_engine"].dispose()


def test_every_command_on_an_unmigrated_database_says_what_to_run(unmigrated):
    checked = 0
    for group, name in _commands(unmigrated):
        result = _invoke(unmigrated, group, name, *ARGS.get((group, name), []))
        if group == "widget":
            assert result.exit_code == 1, (name, result.output)
            assert "run `flask --app wsgi widget migrate`" in result.output, name
        elif (group, name) in ARGS:  # the sandbox keeps its own store, made on first use
            assert result.exit_code == 0, (name, result.output)
        else:  # a sandbox action without its arguments: click's usage error, no traceback
            assert result.exit_code in (0, 2), (name, result.output)
        checked += 1
    assert checked >= 9


def test_a_database_behind_the_code_names_both_revisions(unmigrated):
    from widget.db import migrate

    migrate(unmigrated, "0007")
    result = _invoke(unmigrated, "widget", "rotate-secret", "ws-nope")
    assert result.exit_code == 1
    assert "at revision 0007, this code needs" in result.output
    assert "flask --app wsgi widget migrate" in result.output


def test_migrate_then_the_commands_work(unmigrated):
    assert _invoke(unmigrated, "widget", "migrate").exit_code == 0
    made = _invoke(unmigrated, "widget", "create-workspace", "Acme", "--id", "ws-acme")
    assert made.exit_code == 0 and "workspace id: ws-acme" in made.output
    missing = _invoke(unmigrated, "widget", "rotate-secret", "ws-nope")
    assert missing.exit_code == 1 and "migrate" not in missing.output


def test_help_needs_no_database(unmigrated):
    result = _invoke(unmigrated, "widget", "create-workspace", "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


def test_an_unreachable_database_is_said_plainly(tmp_path):
    app = _app(f"sqlite:///{tmp_path}/no/such/dir/w.sqlite3", f"sqlite:///{tmp_path}/s.sqlite3")
    result = _invoke(app, "widget", "rotate-secret", "ws-nope")
    assert result.exit_code == 1 and "cannot read the database" in result.output


def test_migrated_test_apps_pass_the_check(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'widget.sqlite3'}")
    with app.extensions["db_engine"].connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    from widget.cli import schema_problem

    assert schema_problem(app) is None
