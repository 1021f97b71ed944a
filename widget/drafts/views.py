"""Routes of the drafts: the quote / invoice / bill forms in the contact panel (edit access) and
the admin's defaults section (admins). Thin: `panel` and `defaults` do the work."""

from flask import Blueprint

from widget.auth.access import require
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


@bp.get("/defaults")
@require("admin")
def show_defaults():
    return defaults.section()


@bp.post("/defaults")
@require("admin")
def save_defaults():
    return defaults.save()
