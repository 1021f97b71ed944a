"""Validate HTTP traffic against Xero's published OpenAPI specification, read in place from shared/.

Sandbox responses and client requests are both checked with openapi-core. Sandbox URLs
(`…/sandbox/xero/api.xero.com/api.xro/2.0/Contacts`) are mapped back to Xero's own
(`https://api.xero.com/api.xro/2.0/Contacts`) before matching the spec's paths.

The spec is not part of this repository. Without it the checks that need it are skipped, all from
`require()` so pytest's summary shows one line saying how to point at it; under CI (`CI=true`)
tests/conftest.py fails the run instead, so a missing spec never passes silently there.
"""

import os
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from jsonschema_path import SchemaPath
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from widget.config import XERO_HOSTS

# shared/ sits beside the checkout (as on CI); XERO_OPENAPI_DIR points elsewhere if needed.
SPEC_DIR = Path(
    os.environ.get("XERO_OPENAPI_DIR")
    or Path(__file__).resolve().parents[2] / "shared" / "xero-openapi"
)

ACCOUNTING = "xero_accounting.yaml"
IDENTITY = "xero-identity.yaml"
WEBHOOKS = "xero-webhooks.yaml"
NOT_FOUND = f"Xero's OpenAPI spec is not at {SPEC_DIR}"
HOW_TO = f"set XERO_OPENAPI_DIR to the folder holding {ACCOUNTING}, {IDENTITY} and {WEBHOOKS}"
MISSING = f"{NOT_FOUND}: spec conformance checks skipped; {HOW_TO}"


def available() -> bool:
    return all((SPEC_DIR / name).is_file() for name in (ACCOUNTING, IDENTITY, WEBHOOKS))


def require() -> Path:
    """The spec's folder, or skip the calling test (from this one line, for one summary line)."""
    if not available():
        pytest.skip(MISSING)
    return SPEC_DIR


@cache
def spec(name: str) -> OpenAPI:
    from openapi_core import Config

    path = require() / name
    return OpenAPI(SchemaPath.from_file_path(str(path)), config=Config(spec_validator_cls=None))


def xero_url(url: str) -> tuple[str, str, str]:
    """(spec file, host URL, path) for a real or sandbox Xero URL."""
    parts = urlsplit(url)
    path = parts.path
    host = parts.hostname
    for candidate in XERO_HOSTS:
        marker = f"/{candidate}/"
        if marker in path:
            host, path = candidate, "/" + path.split(marker, 1)[1]
            break
    if path.startswith("/api.xro/2.0"):
        return ACCOUNTING, f"https://{host}", path
    if path.lower().startswith("/connections"):
        # the identity spec spells it /Connections; Xero answers either spelling
        return IDENTITY, f"https://{host}", "/Connections" + path[len("/connections") :]
    raise AssertionError(f"no Xero spec covers {url}")


def _mock_request(method: str, url: str, headers: dict, body: bytes | str | None) -> tuple:
    name, host_url, path = xero_url(url)
    query = urlsplit(url).query
    args = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(query).items()}
    content_type = headers.get("Content-Type", "application/json").split(";")[0]
    data = body.encode() if isinstance(body, str) else body
    return name, MockRequest(
        host_url,
        method.lower(),
        path,
        args=args,
        headers=dict(headers),
        data=data,
        content_type=content_type,
    )


def validate_request(method: str, url: str, headers: dict, body=None) -> None:
    """Raise if a request (as the client sent it) does not fit Xero's spec."""
    name, request = _mock_request(method, url, headers, body)
    spec(name).validate_request(request)


def validate_exchange(response: requests.Response) -> None:
    """Raise if a response (and the request behind it) does not fit Xero's spec."""
    sent = response.request
    name, request = _mock_request(sent.method, sent.url, sent.headers, sent.body)
    mock = MockResponse(
        response.content,
        status_code=response.status_code,
        headers=dict(response.headers),
        content_type=response.headers.get("Content-Type", "application/json").split(";")[0],
    )
    spec(name).validate_response(request, mock)
