"""Words reps and admins found wrong (issue 11): Xero being unreachable promises nothing about
figures (the same message serves searches, suggestions and links); an admin whose connection Xero
refused is told to reconnect it, never to ask an admin."""

from widget.contact.present import UNREACHABLE, error_view
from widget.xero import XeroNeedsReauthorisation


def test_unreachable_xero_promises_nothing_about_figures():
    view = error_view(TimeoutError())
    assert view.message == UNREACHABLE and "figures" not in view.message
    assert view.can_retry


def test_a_refused_connection_tells_admins_to_reconnect_and_members_whom_to_ask():
    refused = XeroNeedsReauthorisation("invalid_grant")
    admin = error_view(refused, is_admin=True).message
    member = error_view(refused, is_admin=False).message
    assert "Reconnect Xero from the admin page" in admin and "Ask an admin" not in admin
    assert "Ask an admin of your CRM account" in member
