"""Third-party browser assets, pinned: the exact CDN file, its Subresource Integrity hash, and the
same file vendored in our static files for when the CDN cannot be reached.

The hash was computed from the file inside the npm package (`npm pack htmx.org@4.0.1`,
`dist/htmx.min.js`), never copied from a web page, so a CDN serving anything else is refused by the
browser. static/vendor/ holds that very file (and the package's licence): pages load the CDN copy
first and static/htmx-fallback.js injects ours, under the same integrity hash, when the CDN's did
not run (blocked, unreachable, or refused). Bumping htmx means changing these values and the
vendored file together (tests check all of them against the npm package).
"""

from flask import Flask

HTMX_PACKAGE = "htmx.org"
HTMX_VERSION = "4.0.1"
#: path of the loaded file inside the npm package
HTMX_FILE = "dist/htmx.min.js"
HTMX_URL = f"https://unpkg.com/{HTMX_PACKAGE}@{HTMX_VERSION}/{HTMX_FILE}"
HTMX_INTEGRITY = "sha384-Qp9rdC8H7EqOoX+nR0P3RPG2Noji+qdwJlGpfzwQJsfOpp3sGwIdSP9xO3+UlEhn"
#: the same file under static/, served from 'self'
HTMX_VENDORED = f"vendor/{HTMX_PACKAGE}-{HTMX_VERSION}/htmx.min.js"
#: the tiny external loader that falls back to HTMX_VENDORED (no inline script: CSP)
HTMX_FALLBACK_LOADER = "htmx-fallback.js"

#: what Content-Security-Policy `script-src` must allow for the pages to work (besides 'self')
SCRIPT_SOURCES = (HTMX_URL,)


def init_app(app: Flask) -> None:
    """Make the pinned values available to templates/_htmx.html."""

    @app.context_processor
    def _htmx_asset() -> dict:
        return {
            "htmx_url": HTMX_URL,
            "htmx_integrity": HTMX_INTEGRITY,
            "htmx_vendored": HTMX_VENDORED,
            "htmx_fallback_loader": HTMX_FALLBACK_LOADER,
        }
