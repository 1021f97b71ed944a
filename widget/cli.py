"""`flask --app wsgi widget …`: operator commands for the widget itself.

Every command but `migrate` first checks that the database schema is the one this code expects,
and otherwise says what to run instead of failing with a traceback halfway through: commands added
to `widget_cli` (here or by other modules) get the check by being added.
"""

import functools
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from widget import db

MIGRATE_HINT = "run `flask --app wsgi widget migrate`"
ROOT = Path(__file__).resolve().parent.parent


def schema_problem(app: Flask) -> str | None:
    """Why the database cannot serve this code (None when its schema is at our head)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory(str(ROOT / "migrations")).get_heads())
    try:
        with app.extensions["db_engine"].connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as exc:
        return (
            f"cannot read the database ({type(exc.orig or exc).__name__}): is DATABASE_URL right?"
        )
    if current == heads:
        return None
    if not current:
        return f"the database has no schema yet: {MIGRATE_HINT}"
    found, wanted = ", ".join(sorted(current)), ", ".join(sorted(heads))
    return f"the database schema is at revision {found}, this code needs {wanted}: {MIGRATE_HINT}"


def _needs_schema(callback):
    @functools.wraps(callback)
    def checked(*args, **kwargs):
        problem = schema_problem(current_app._get_current_object())
        if problem:
            raise click.ClickException(problem)
        return callback(*args, **kwargs)

    checked.schema_checked = True  # each app registers the commands again: wrap them once
    return with_appcontext(checked)


class SchemaCheckedGroup(AppGroup):
    """An AppGroup whose commands refuse, saying what to run, on a database not migrated."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        checked = getattr(cmd.callback, "schema_checked", False)
        if (
            cmd.callback is not None
            and not checked
            and not getattr(cmd, "works_without_schema", False)
        ):
            cmd.callback = _needs_schema(cmd.callback)
        super().add_command(cmd, name)


widget_cli = SchemaCheckedGroup(
    "widget", help="Operate the widget (migrations, workspaces, launch URLs)."
)


@click.command("migrate")
@with_appcontext
def migrate_command() -> None:
    """Create or upgrade the database schema."""
    db.migrate(current_app)
    click.echo("database is up to date")


migrate_command.works_without_schema = True
widget_cli.add_command(migrate_command)


def init_app(app: Flask) -> None:
    from widget.auth.cli import register as register_workspace_commands
    from widget.connection.sandbox_cli import register as register_sandbox_commands
    from widget.jobs.worker import worker_command

    register_workspace_commands(widget_cli)
    register_sandbox_commands(widget_cli)
    widget_cli.add_command(worker_command)
    app.cli.add_command(widget_cli)
