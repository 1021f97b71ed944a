"""The vendored htmx file is the pinned one: the bytes the CDN serves under the same Subresource
Integrity hash (tests/browser checks it against the npm package itself), and pages name both."""

import base64
import hashlib
from pathlib import Path

from widget import assets
from widget.security import BASE_POLICY


def test_vendored_htmx_matches_the_pinned_integrity(app):
    vendored = Path(app.static_folder) / assets.HTMX_VENDORED
    digest = base64.b64encode(hashlib.sha384(vendored.read_bytes()).digest()).decode()
    assert f"sha384-{digest}" == assets.HTMX_INTEGRITY
    assert assets.HTMX_VERSION in assets.HTMX_VENDORED


def test_pages_load_the_cdn_then_the_fallback_loader_with_our_copy(client):
    html = client.get("/contact?token=x").get_data(as_text=True)  # a refusal: base.html too
    cdn = html.index(f'src="{assets.HTMX_URL}"')
    loader = html.index(f'src="/static/{assets.HTMX_FALLBACK_LOADER}"')
    assert cdn < loader
    assert f'data-htmx-src="/static/{assets.HTMX_VENDORED}"' in html
    assert f'data-htmx-integrity="{assets.HTMX_INTEGRITY}"' in html
    assert BASE_POLICY["script-src"] == f"'self' {assets.HTMX_URL}"
    assert client.get(f"/static/{assets.HTMX_VENDORED}").status_code == 200
