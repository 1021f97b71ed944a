"""The admin page (blueprint `admin`): Xero connection (its own blueprint fills that section),
who may use the widget, and the audit log. Admins only."""

from widget.admin import imports, matches, people  # noqa: F401  (their routes join the blueprint)
from widget.admin.views import bp

__all__ = ["bp"]
