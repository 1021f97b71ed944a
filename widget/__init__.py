"""The Xero sidebar widget: a Flask app serving small panels that a CRM embeds in an iframe."""

from pathlib import Path

from flask import Flask

from widget import (
    assets,
    auth,
    company,
    connection,
    contact,
    crm,
    crypto,
    db,
    deal,
    drafts,
    errors,
    health,
    jobs,
    logs,
    mirror,
    security,
)
from widget import config as settings
from widget.secret_key import load_or_create
from widget.shared import redis as shared_redis

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(settings.from_environment(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create(app.instance_path, "secret_key")
    if not app.config.get("TESTING"):
        logs.configure(app.config["LOG_LEVEL"])

    db.init_app(app)
    shared_redis.init_app(app)
    crypto.init_app(app)
    errors.init_app(app)
    health.init_app(app)
    assets.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    connection.init_app(app)
    contact.init_app(app)
    company.init_app(app)
    deal.init_app(app)
    drafts.init_app(app)
    crm.init_app(app)
    jobs.init_app(app)
    mirror.init_app(app)

    from widget import cli

    cli.init_app(app)

    if app.config["SANDBOX_ENABLED"]:
        from widget import sandbox

        sandbox.init_app(app)

    from widget import demo

    demo.init_app(app)
    return app
