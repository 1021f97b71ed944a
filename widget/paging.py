"""Page numbers from the query string, parsed once for every paged list.

A page number is user input: anything but a plain positive number means the first page, and a
number past `MAX_PAGE` (or past the list's last page) means the last one, so no OFFSET ever
overflows a database integer.
"""

from flask import request

#: far beyond any list we page (a million pages), far below a 64-bit OFFSET
MAX_PAGE = 1_000_000


def page_number(raw: str | None, last: int | None = None) -> int:
    """1 for missing or malformed input; at most `last` (or MAX_PAGE)."""
    if not raw or not (raw.isascii() and raw.isdigit()):
        return 1
    ceiling = max(1, min(last, MAX_PAGE) if last is not None else MAX_PAGE)
    if len(raw.lstrip("0")) > len(str(MAX_PAGE)):  # no int() of a 5,000-digit string either
        return ceiling
    return max(1, min(int(raw), ceiling))


def requested_page(name: str = "page", last: int | None = None) -> int:
    """The request's `?page=` (or `name`) as a safe page number."""
    return page_number(request.args.get(name), last)
