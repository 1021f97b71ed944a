"""The built-in Xero: OAuth, connections and the Accounting API, served under /sandbox/xero.

`app.extensions["sandbox"]` is the `Sandbox` (see store.py): its clock, faults, limits, grants
and reset. `flask --app wsgi sandbox …` operates it from the command line.
"""

from flask import Flask

from widget.sandbox.store import Sandbox


def init_app(app: Flask) -> None:
    """Mount the sandbox on the app: blueprint, state (seeded on first use) and CLI."""
    from widget.sandbox import (  # noqa: F401
        contacts,
        control,
        creditnotes,
        identity,
        invoices,
        payments,
        quotes,
        settings,
    )
    from widget.sandbox.blueprint import bp
    from widget.sandbox.cli import sandbox_cli

    app.extensions["sandbox"] = Sandbox(app.config)
    if "sandbox" not in app.blueprints:
        app.register_blueprint(bp)
    app.cli.add_command(sandbox_cli)
