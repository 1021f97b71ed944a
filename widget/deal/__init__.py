"""The deal panel (blueprint `deal`): the quotes and invoices a rep picks for a CRM deal (from
those of the Xero contacts linked to its people, the primary contact's open ones first), their
figures, and the deal's people linked in place.

Picks live in `models.DealDocument` (audited, kept per organisation, independent of links); Xero
reads are the company panel's `GroupXero`; `views` stays thin.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from widget.deal.views import bp

    app.register_blueprint(bp)
