"""Tenancy and access: workspaces, launch tokens, panel sessions, grants and the audit log.

Other code uses `widget.auth.access` (`require`, `public`, `current_panel`), `widget.auth.audit`
(`record`), `widget.auth.launch` (`sign_launch_token`, `launch_url`) and `widget.auth.workspaces`
(`current_secret`, `ensure_demo_workspace`).
"""

import logging

from flask import Flask, g, request
from sqlalchemy.exc import SQLAlchemyError

from widget.auth import access
from widget.auth.sessions import SESSION_HEADER
from widget.db import get_session

log = logging.getLogger(__name__)


def _session_token_for_page() -> dict:
    """The panel session token for base.html's <meta>: the one a launch just made, or the one
    this request came with (a full page fetched by htmx keeps working)."""
    token = g.get("widget_session_token")
    if token is None and request.headers.get(SESSION_HEADER):
        try:
            if access.current_panel() is not None:
                token = request.headers[SESSION_HEADER]
        except SQLAlchemyError:  # rendering an error page because the database is down
            token = None
    return {"widget_session_token": token}


def _demo_workspace_once(app: Flask):
    """Before the first request (the schema may not exist when the app object is created)."""

    def ensure() -> None:
        if app.extensions.get("demo_workspace_ready"):
            return
        from widget.auth.workspaces import ensure_demo_workspace

        try:
            ensure_demo_workspace(get_session(), app.config["DEMO_WORKSPACE_ORIGINS"].split())
        except SQLAlchemyError:
            log.warning("demo workspace not created yet: run `flask --app wsgi widget migrate`")
            get_session().rollback()
            return
        app.extensions["demo_workspace_ready"] = True

    return ensure


def init_app(app: Flask) -> None:
    app.config.setdefault("PANEL_SESSION_IDLE_SECONDS", 15 * 60)
    app.config.setdefault("DEMO_WORKSPACE_ORIGINS", "http://localhost:5000 http://127.0.0.1:5000")
    app.config.setdefault(
        "DEMO_WORKSPACE", bool(app.config.get("XERO_USE_SANDBOX")) and not app.config["TESTING"]
    )
    access.init_app(app)
    app.context_processor(_session_token_for_page)

    from widget import admin

    app.register_blueprint(admin.bp)
    if app.config["DEMO_WORKSPACE"]:
        app.before_request(_demo_workspace_once(app))
