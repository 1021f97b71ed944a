"""Why a workspace cannot talk to Xero right now, as exceptions the panels turn into plain messages.

`message_for(is_admin)` is for the person looking at the panel (no jargon, never a token); admins
and reps get different advice. They are XeroNeedsReauthorisation too, because the Xero client lets
exactly that family through from its refresh hook unchanged, so one `except ConnectionProblem`
catches them whether `client_for` or a later call raised them.
"""

from widget.xero import XeroNeedsReauthorisation


class ConnectionProblem(XeroNeedsReauthorisation):
    """The workspace's Xero connection cannot be used; show `message_for(is_admin)`."""

    status = ""
    admin_message = ""
    rep_message = ""

    def __init__(self, workspace_id: str):
        super().__init__(f"{self.__class__.__name__} (workspace {workspace_id})")
        self.workspace_id = workspace_id

    def message_for(self, is_admin: bool) -> str:
        return self.admin_message if is_admin else self.rep_message


class NotConnected(ConnectionProblem):
    """No Xero organisation is connected (never connected, or disconnected)."""

    status = "disconnected"
    admin_message = "Xero is not connected. Connect it from the admin page."
    rep_message = "Xero is not connected yet. Ask an admin of your CRM account to connect it."


class NeedsReauthorisation(ConnectionProblem):
    """Xero no longer accepts the stored grant (invalid_grant, revoked): an admin must reconnect."""

    status = "needs_reauthorisation"
    admin_message = "Xero needs to be re-authorised. Use Reconnect on the admin page."
    rep_message = (
        "The connection to Xero needs to be renewed. Ask an admin of your CRM account to "
        "reconnect Xero."
    )


class ConnectFlowError(Exception):
    """The consent popup cannot go on (unknown or expired state, consent refused, …)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status
