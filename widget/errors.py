"""Error responses as JSON for API callers and as a plain page for people, never a stack trace.

An htmx request gets only the message fragment, so a failed swap never nests a whole page inside a
panel; `*/*` (curl, requests) counts as a person, JSON is for callers that ask for it.
"""

import logging

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

log = logging.getLogger(__name__)


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def _respond(status: int, title: str, message: str):
    if wants_json():
        return jsonify(error=title, message=message), status
    template = "error_fragment.html" if is_htmx() else "error.html"
    return render_template(template, status=status, title=title, message=message), status


def _too_large_message() -> str:
    config = current_app.config
    body, field = config.get("MAX_CONTENT_LENGTH"), config.get("MAX_FORM_MEMORY_SIZE")
    limits = [f"{body // 1024} KB in all"] if body else []
    limits += [f"{field // 1024} KB a field"] if field else []
    size = f" (at most {', '.join(limits)})" if limits else ""
    return f"What was sent is too large{size}. Shorten it and try again."


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.blueprint == "sandbox":
            return exc  # the sandbox answers in Xero's own shapes
        if isinstance(exc, RequestEntityTooLarge):  # werkzeug's own wording gives our limits
            generic = exc.description == RequestEntityTooLarge.description
            return _respond(413, exc.name, _too_large_message() if generic else exc.description)
        return _respond(exc.code or 500, exc.name, exc.description or "")

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        error = InternalServerError()
        return _respond(500, error.name, "Something went wrong on our side. Please try again.")
