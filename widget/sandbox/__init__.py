"""The built-in Xero: OAuth, connections and the Accounting API, served under /sandbox/xero."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Mount the sandbox on the app (placeholder until the sandbox lands)."""
