"""One served app for the contact-panel tests: the sandbox inside it answers Xero (metered), the
panel's day follows the sandbox's clock, and the panel cache runs on a clock tests can move.
Tests keep apart by making their own workspaces; faults are cleared after the tests that set them.
"""

import pytest

from tests.contact.support import serve_panels


@pytest.fixture(scope="session")
def contact_server(tmp_path_factory):
    # Refresh waits briefly for the organisation's sync (none runs here: the job queue is held)
    yield from serve_panels(tmp_path_factory, "contact", PANEL_REFRESH_WAIT_SECONDS=0.3)
