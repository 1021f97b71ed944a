"""What the connection tells the rest of the app, without knowing who listens (blinker signals).

`organisation_fetched(workspace_id, tenant_id=…, organisation=…)`: connecting just read the
Organisation from Xero; panels keep it so their first view needs no Organisation call of its own.
"""

from blinker import Namespace

_signals = Namespace()

organisation_fetched = _signals.signal("organisation-fetched")
