"""The contact panel (blueprint `contact`): suggest, search, link, create, summary, details.

Reads go through `service` (Xero via widget.xero only, cached per organisation); links to Xero
contacts live in `links`; `views` stays thin.
"""

from flask import Flask

from widget.connection.signals import organisation_fetched


def init_app(app: Flask) -> None:
    from widget.contact import context, refreshing, service
    from widget.contact.views import bp

    service.init_app(app)
    refreshing.init_app(app)
    context.watch(app)
    app.register_blueprint(bp)
    organisation_fetched.connect(_keep_organisation, weak=False)


def _keep_organisation(workspace_id: str, *, tenant_id: str, organisation) -> None:
    from widget.contact.service import remember_organisation

    remember_organisation(workspace_id, tenant_id, organisation)
