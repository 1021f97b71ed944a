"""The company panel (blueprint `company`): the company's own link to a Xero contact (suggest,
search, create, link, unlink), a summary over every linked Xero contact of the company and its
people, and its people linked in place.

Reads go through `service.GroupXero` (the contact panel's cached reads, extended to several
contacts, see `plan` for what it costs Xero); links are the contact panel's (`widget.contact.links`,
record type "company"); `views` stays thin.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from widget.company.views import bp

    app.register_blueprint(bp)
