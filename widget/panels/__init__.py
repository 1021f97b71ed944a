"""Placeholder company and deal panels (blueprint `panels`; the contact panel is widget.contact):
after a launch they show the CRM record they were opened for; later work fills them in."""

from flask import Blueprint, abort, render_template

from widget.auth.access import current_panel, require

bp = Blueprint("panels", __name__)


def _render(panel_name: str):
    panel = current_panel()
    if panel.panel != panel_name:
        abort(404, f"This session was opened for a {panel.panel} panel, not a {panel_name} panel.")
    return render_template("panels/placeholder.html", panel=panel_name, record=panel.record)


@bp.get("/company")
@require("view", launch="company")
def company():
    return _render("company")


@bp.get("/deal")
@require("view", launch="deal")
def deal():
    return _render("deal")
