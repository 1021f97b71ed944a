"""Every table the app stores, imported in one place so Alembic and tests see them all."""

from widget.xero_usage import OrganisationUsage  # noqa: F401
