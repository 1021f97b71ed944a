"""CRM records the CRM hands us ahead of use: its contacts (for matching against Xero) and its
users (so admins can grant access before anyone opens a panel).

They arrive three ways, all through the same checks (`widget.crm.rows`) and the same idempotent
writes (`widget.crm.store`): the server-to-server API (`widget.crm.api`, signed requests, see
`widget.crm.signing`), a CSV upload in the admin page, and a pasted list of people.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    from widget.crm import api

    app.config.setdefault("CRM_API_MAX_BYTES", 2 * 1024 * 1024)
    app.config.setdefault("CRM_CSV_MAX_BYTES", 2 * 1024 * 1024)
    app.register_blueprint(api.bp)
