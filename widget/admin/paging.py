"""Page numbers from query strings: anything that is not a sensible page number is page 1."""

from flask import request

MAX_PAGE = 1_000_000


def page_number(name: str = "page") -> int:
    raw = request.args.get(name, "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 7:
        return 1
    return min(max(1, int(raw)), MAX_PAGE)
