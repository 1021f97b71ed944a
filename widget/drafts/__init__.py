"""Draft quotes, invoices and bills raised from the contact panel (blueprint `drafts`), created
exactly once in Xero, and the admin's defaults for them.

Pure parts: `totals` (Xero's arithmetic), `validation` (checks before sending), `settings` (the
defaults), `reference` (what each kind of document may use). `service` talks to Xero,
`submissions` makes creation exactly-once, `panel` and `defaults` serve the views.
"""

from flask import Flask

DEFAULTS = {
    "DRAFTS_REFERENCE_TTL": 6 * 60 * 60,  # accounts, tax rates, items, currencies: hours
    "DRAFTS_KEY_WINDOW_SECONDS": 300,  # trust Xero's memory of an Idempotency-Key this long
    "DRAFTS_WAIT_SECONDS": None,  # a double click waits this long (None: Xero's timeout + 2 s)
}


def init_app(app: Flask) -> None:
    from widget.drafts.views import bp

    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    app.register_blueprint(bp)
