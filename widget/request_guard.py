"""Refuse input that no view could use, before any view (or authentication) sees it.

- A NUL character is never valid in a value we accept, and PostgreSQL's text cannot hold one:
  left alone it would fail deep inside a query as a 500. A NUL anywhere in the path, the query,
  the form or a header is a 400 here, for every route.
- JSON bodies (the sandbox's Xero API, webhooks) are held to the same rule, and to one more: no
  lone surrogate (`"\\ud800"` is valid JSON but not text any database or encoder can store).
- Numbers in paths: `<int:…>` segments past what an integer column holds (2**31 - 1, PostgreSQL's
  `integer`) match no route (404) instead of overflowing the database driver.
- Size: reading the form here applies MAX_CONTENT_LENGTH (the body) and, for multipart bodies,
  MAX_FORM_MEMORY_SIZE per field (werkzeug raises 413), so an anonymous oversized POST is refused
  unread. Werkzeug does not apply the per-field limit to url-encoded forms and query strings; this
  guard does, with the same figure.

A view that reads and checks its own body (`@reads_own_body`: the CRM API's per-record errors,
the CSV upload's larger limit) keeps the path, header and query checks and is spared the body ones.
"""

import re

from flask import Flask, current_app, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

NUL = "\x00"
LARGEST_ID = 2**31 - 1
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
JSON_MESSAGE = "The JSON body holds a NUL character or a lone surrogate, which no field accepts."
NUL_MESSAGE = "The request contains a NUL character, which no field here accepts."
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def _check(values: MultiDict, field_limit: int | None) -> None:
    for key, value in values.items(multi=True):
        if NUL in (key or "") or NUL in value:  # a multipart part may come without a name
            raise BadRequest(NUL_MESSAGE)
        if field_limit is not None and len(value) > field_limit:
            raise RequestEntityTooLarge()


def _unstorable_json(value) -> bool:
    if isinstance(value, str):
        return bool(_UNSTORABLE.search(value))
    if isinstance(value, dict):
        return any(_unstorable_json(k) or _unstorable_json(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_unstorable_json(item) for item in value)
    return False


def _json_body():
    """The parsed body (None when it is not JSON: the view says so in its own words)."""
    try:
        return request.get_json(silent=True)
    except RecursionError:  # `[[[[…` a million deep: json gives up with this, not ValueError
        raise BadRequest("The JSON body is nested too deeply.") from None


def reads_own_body(view):
    """Mark a view that applies its own body limit and validation (and says so in its own
    words); put it right under the route decorator."""
    view.reads_own_body = True
    return view


def _view_reads_own_body() -> bool:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, "reads_own_body", False))


def refuse_bad_input() -> None:
    field_limit = current_app.config.get("MAX_FORM_MEMORY_SIZE")
    if NUL in request.path or any(NUL in value for value in request.headers.values()):
        raise BadRequest(NUL_MESSAGE)
    _check(request.args, field_limit)
    if request.method in BODY_METHODS and not _view_reads_own_body():
        _check(request.form, field_limit)
        if request.is_json and _unstorable_json(_json_body()):
            raise BadRequest(JSON_MESSAGE)


class DatabaseInteger(IntegerConverter):
    """`<int:…>` as an id a database column can hold: 0 to 2**31 - 1 unless the rule says."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits, min, LARGEST_ID if max is None else max, signed)


def init_app(app: Flask) -> None:
    """Before any blueprint registers: the converter applies to the rules made afterwards."""
    app.url_map.converters["int"] = DatabaseInteger
    app.before_request(refuse_bad_input)
