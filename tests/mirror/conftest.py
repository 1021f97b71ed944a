"""One served app per database for the mirror tests (each test makes its own workspace, so their
mirrors never meet); the sandbox inside answers Xero, its faults cleared after each test."""

import pytest

from tests.mirror.support import serve_mirror


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def mirror_server(request, tmp_path_factory):
    yield from serve_mirror(tmp_path_factory, request.param)


@pytest.fixture
def server(mirror_server):
    sandbox = mirror_server.sandbox
    sandbox.limits.reset()
    yield mirror_server
    sandbox.faults.clear()
    sandbox.limits.reset()
    mirror_server.app.config["MIRROR_PAGE_SIZE"] = 1000
