"""One served app for the company- and deal-panel tests (each folder gets its own): the sandbox
inside it answers Xero (metered), the panels' day follows the sandbox's clock, and the panel cache
runs on a clock tests can move. Tests keep apart by making their own workspaces."""

import pytest

from tests.contact.support import serve_panels


@pytest.fixture(scope="session")
def group_server(tmp_path_factory):
    yield from serve_panels(tmp_path_factory, "group")
