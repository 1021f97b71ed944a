"""The sandbox's one blueprint; the view modules register their routes on it."""

from flask import Blueprint, current_app, request

from widget.sandbox.problems import XeroProblem

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox/xero")

IDENTITY = "/identity.xero.com/connect"
LOGIN = "/login.xero.com/identity/connect"
API = "/api.xero.com"
ACCOUNTING = "/api.xero.com/api.xro/2.0"


def sandbox():
    """The app's `Sandbox` (typed loosely to keep this module free of import cycles)."""
    return current_app.extensions["sandbox"]


@bp.before_request
def _ready() -> None:
    box = sandbox()
    box.ensure_ready()
    box.webhooks.request_root = request.host_url  # where "this app's /webhooks/xero" is


@bp.errorhandler(XeroProblem)
def _problem(exc: XeroProblem):
    return exc.response
