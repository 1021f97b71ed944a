"""Blueprint `panels`, kept for panels that are still placeholders. The contact, company and deal
panels have their own blueprints (widget.contact, widget.company, widget.deal)."""

from flask import Blueprint

bp = Blueprint("panels", __name__)
