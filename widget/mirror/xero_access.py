"""The Xero client a sync uses: the workspace's own connection, marked as background work.

`call_class = "background"` tells the per-organisation budget governor (in the client's
`_request`) that this call may wait or yield to the panels' interactive calls. One place, so the
governor's wiring touches one line.
"""

from widget.connection.service import client_for
from widget.xero import XeroClient

BACKGROUND = "background"


def background_client(workspace_id: str) -> XeroClient:
    client = client_for(workspace_id)
    client.call_class = BACKGROUND
    return client
