"""One served app for the drafts tests (the sandbox inside it answers Xero, metered), with one
workspace connected to each demo organisation for the whole run: tests keep apart by linking their
own CRM contacts, and put back any fault or setting they change."""

import pytest

from tests.contact.support import NZ, UK, serve_panels


@pytest.fixture(scope="session")
def drafts_server(tmp_path_factory):
    yield from serve_panels(tmp_path_factory, "drafts")


@pytest.fixture(scope="session")
def nz(drafts_server):
    return drafts_server.connected_workspace(NZ)


@pytest.fixture(scope="session")
def uk(drafts_server):
    return drafts_server.connected_workspace(UK)


@pytest.fixture
def server(drafts_server):
    """The served app; afterwards faults, the sandbox clock and Xero's timeout are as before."""
    config = drafts_server.app.config
    timeout = config["XERO_TIMEOUT_SECONDS"]
    yield drafts_server
    config["XERO_TIMEOUT_SECONDS"] = timeout
    drafts_server.sandbox.clock.reset()
    for org in (NZ, UK):
        drafts_server.release(org)
