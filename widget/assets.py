"""Third-party browser assets, pinned: the exact CDN file and its Subresource Integrity hash.

The hash was computed from the file inside the npm package (`npm pack htmx.org@4.0.1`,
`dist/htmx.min.js`), never copied from a web page, so a CDN serving anything else is refused by the
browser. Bumping htmx means changing all three values together (tests/browser checks them against
the npm package).
"""

from flask import Flask

HTMX_PACKAGE = "htmx.org"
HTMX_VERSION = "4.0.1"
#: path of the loaded file inside the npm package
HTMX_FILE = "dist/htmx.min.js"
HTMX_URL = f"https://unpkg.com/{HTMX_PACKAGE}@{HTMX_VERSION}/{HTMX_FILE}"
HTMX_INTEGRITY = "sha384-Qp9rdC8H7EqOoX+nR0P3RPG2Noji+qdwJlGpfzwQJsfOpp3sGwIdSP9xO3+UlEhn"

#: what Content-Security-Policy `script-src` must allow for the pages to work (besides 'self')
SCRIPT_SOURCES = (HTMX_URL,)


def init_app(app: Flask) -> None:
    """Make the pinned values available to templates/_htmx.html."""

    @app.context_processor
    def _htmx_asset() -> dict:
        return {"htmx_url": HTMX_URL, "htmx_integrity": HTMX_INTEGRITY}
