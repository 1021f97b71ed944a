"""Routes of the drafts: the quote / invoice / bill forms in the contact panel (edit access) and
the admin's defaults section (admins), and the page Xero's "Go to [app]" link opens. Thin:
`panel` and `defaults` do the work."""

from flask import Blueprint, abort, render_template

from widget.auth.access import public, require
from widget.drafts import defaults, panel

bp = Blueprint("drafts", __name__, url_prefix="/drafts")
KINDS = "<any(quote, invoice, bill):kind>"


@bp.get(f"/{KINDS}/new")
@require("edit")
def new(kind: str):
    return panel.open_form(kind)


@bp.post(f"/{KINDS}")
@require("edit")
def create(kind: str):
    return panel.submit(kind)


@bp.get("/source/<token>")
@public
def source(token: str):
    """Xero's "Go to [app]" link on a document the drafts created (its `Url`, which also marks
    the submission): public, and says nothing about the document."""
    if len(token) != 32 or not all(ch in "0123456789abcdef" for ch in token):
        abort(404)
    return render_template("drafts/source.html")


@bp.get("/defaults")
@require("admin")
def show_defaults():
    return defaults.section()


@bp.post("/defaults")
@require("admin")
def save_defaults():
    return defaults.save()
