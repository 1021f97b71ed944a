"""A workspace's connection to one Xero organisation: consent flow, token store, refresh, status."""

from flask import Flask


def init_app(app: Flask) -> None:
    from widget.connection.views import bp

    app.register_blueprint(bp)
