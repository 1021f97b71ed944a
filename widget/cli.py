"""`flask --app wsgi widget …`: operator commands for the widget itself."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from widget import db

widget_cli = AppGroup("widget", help="Operate the widget (migrations, workspaces, launch URLs).")


@widget_cli.command("migrate")
def migrate_command() -> None:
    """Create or upgrade the database schema."""
    db.migrate(current_app)
    click.echo("database is up to date")


def init_app(app: Flask) -> None:
    from widget.auth.cli import register as register_workspace_commands
    from widget.connection.sandbox_cli import register as register_sandbox_commands
    from widget.jobs.worker import worker_command

    register_workspace_commands(widget_cli)
    register_sandbox_commands(widget_cli)
    widget_cli.add_command(worker_command)
    app.cli.add_command(widget_cli)
