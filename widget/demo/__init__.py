"""The demo CRM page: a stand-in CRM that embeds the panels, for newcomers and browser tests.

Mounted only while the built-in Xero sandbox is in use (or DEMO_CRM_ENABLED says so): it lets
anyone act as the demo workspace's admin, which is harmless against the sandbox and not something
a production installation connected to the real Xero should offer.
"""

from flask import Flask

from widget import security

#: the CRM page frames panels from the other loopback name (or itself on a public host)
FRAME_SOURCES = "'self' http://localhost:* http://127.0.0.1:*"


def init_app(app: Flask) -> None:
    enabled = app.config.get("DEMO_CRM_ENABLED", app.config.get("XERO_USE_SANDBOX", False))
    if not enabled:
        return
    from widget.demo.views import bp

    security.register_csp("demo", {"frame-src": FRAME_SOURCES})
    app.register_blueprint(bp)
