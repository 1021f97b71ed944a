"""Routes of the contact panel."""

from flask import Blueprint, abort, render_template

from widget.auth.access import current_panel, require

bp = Blueprint("contact", __name__, url_prefix="/contact")


@bp.get("")
@require("view", launch="contact")
def panel():
    session = current_panel()
    if session.panel != "contact":
        abort(404, f"This session was opened for a {session.panel} panel, not a contact panel.")
    return render_template("panels/placeholder.html", panel="contact", record=session.record)
