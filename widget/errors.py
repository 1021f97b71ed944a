"""Error responses as JSON for API callers and as a plain page for people, never a stack trace."""

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" or request.path.startswith("/api/")


def _respond(status: int, title: str, message: str):
    if wants_json():
        return jsonify(error=title, message=message), status
    return render_template("error.html", status=status, title=title, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.blueprint == "sandbox":
            return exc  # the sandbox answers in Xero's own shapes
        return _respond(exc.code or 500, exc.name, exc.description or "")

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        error = InternalServerError()
        return _respond(500, error.name, "Something went wrong on our side. Please try again.")
