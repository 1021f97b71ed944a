"""The contact panel (blueprint `contact`): suggest, search, link, create, summary, details.

Reads go through `service` (Xero via widget.xero only, cached per organisation); links to Xero
contacts live in `links`; `views` stays thin.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from widget.contact import service
    from widget.contact.views import bp

    service.init_app(app)
    app.register_blueprint(bp)
