"""How the demo CRM embeds a panel: from the other loopback name, with a freshly signed token.

`localhost` and `127.0.0.1` are different sites to a browser, so serving the CRM page on one and
the widget on the other makes the panel a real third-party iframe (third-party cookies blocked,
frame-ancestors enforced) on a single local server.
"""

from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from widget.auth.launch import launch_url
from widget.auth.workspaces import DEMO_WORKSPACE_ID, current_secret, ensure_demo_workspace
from widget.demo.crm import CrmUser

OTHER_LOOPBACK_NAME = {"localhost": "127.0.0.1", "127.0.0.1": "localhost"}


def widget_base_url(crm_origin: str) -> str:
    """The widget's origin for a CRM page at `crm_origin`: the other loopback name on the same
    port, or the same origin when the page is not on loopback (one public host)."""
    parts = urlsplit(crm_origin)
    other = OTHER_LOOPBACK_NAME.get(parts.hostname or "")
    if other is None:
        return crm_origin
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{other}{port}"


def panel_url(session: Session, crm_origin: str, panel: str, user: CrmUser, record: dict) -> str:
    """A launch URL for the iframe; the demo workspace is made to allow `crm_origin` to frame it."""
    ensure_demo_workspace(session, [crm_origin])
    secret = current_secret(session, DEMO_WORKSPACE_ID)
    return launch_url(
        widget_base_url(crm_origin), DEMO_WORKSPACE_ID, panel, user.claim(), record, secret=secret
    )
