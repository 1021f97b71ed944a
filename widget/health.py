"""`GET /healthz`: is this process serving and can it reach its database? Never calls Xero."""

from flask import Flask, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from widget.db import get_session


def init_app(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():
        try:
            get_session().execute(text("SELECT 1"))
        except SQLAlchemyError:
            return jsonify(status="error", database="unreachable"), 503
        return jsonify(status="ok", database="ok")
