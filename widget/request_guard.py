"""Refuse input that no view could use, before any view (or authentication) sees it.

- A NUL character is never valid in a value we accept, and PostgreSQL's text cannot hold one:
  left alone it would fail deep inside a query as a 500. A NUL anywhere in the path, the query,
  the form or a header is a 400 here, for every route.
- Size: reading the form here applies MAX_CONTENT_LENGTH (the body) and, for multipart bodies,
  MAX_FORM_MEMORY_SIZE per field (werkzeug raises 413), so an anonymous oversized POST is refused
  unread. Werkzeug does not apply the per-field limit to url-encoded forms and query strings; this
  guard does, with the same figure.
"""

from flask import Flask, current_app, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

NUL = "\x00"
NUL_MESSAGE = "The request contains a NUL character, which no field here accepts."
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def _check(values: MultiDict, field_limit: int | None) -> None:
    for key, value in values.items(multi=True):
        if NUL in key or NUL in value:
            raise BadRequest(NUL_MESSAGE)
        if field_limit is not None and len(value) > field_limit:
            raise RequestEntityTooLarge()


def refuse_bad_input() -> None:
    field_limit = current_app.config.get("MAX_FORM_MEMORY_SIZE")
    if NUL in request.path or any(NUL in value for value in request.headers.values()):
        raise BadRequest(NUL_MESSAGE)
    _check(request.args, field_limit)
    if request.method in BODY_METHODS:
        _check(request.form, field_limit)


def init_app(app: Flask) -> None:
    app.before_request(refuse_bad_input)
