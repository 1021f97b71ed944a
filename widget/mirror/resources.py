"""What the mirror reads from Xero, resource by resource: the largest pages and smallest payloads
Xero allows for each, newest-updated first.

- Contacts: 1,000 a page, with archived ones (archives and merges must arrive). Not summaryOnly:
  it drops ContactPersons and IsCustomer/IsSupplier, which search and the panels need.
- Invoices and bills: 1,000 a page, summaryOnly (no line items; totals, AmountDue/Paid kept).
- Credit notes: 1,000 a page.
- Quotes: Xero's fixed 100 a page (no pageSize, no summaryOnly).

Why newest first (`UpdatedDateUTC DESC`): Xero pages by offset, and a document updated while we
page moves to the end of the default oldest-first order, shifting the unread ones back onto a page
already read (skipped). Newest first, it jumps to the front instead: the others shift onto pages
still to come (read twice, de-duplicated by the upsert), and the document itself is newer than the
pass's start, so the next incremental pass (`If-Modified-Since`) brings it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from widget.xero import XeroClient
from widget.xero.models import Page

NEWEST_FIRST = "UpdatedDateUTC DESC"
LARGEST_PAGE = 1000


@dataclass(frozen=True)
class Resource:
    name: str
    #: (client, page number, If-Modified-Since or None, page size) -> one page
    read: Callable[[XeroClient, int, datetime | None, int], Page]


def _contacts(client: XeroClient, page: int, since: datetime | None, size: int) -> Page:
    return client.contacts(
        page=page,
        page_size=size,
        include_archived=True,
        modified_since=since,
        order=NEWEST_FIRST,
    )


def _invoices(client: XeroClient, page: int, since: datetime | None, size: int) -> Page:
    return client.invoices(
        page=page,
        page_size=size,
        summary_only=True,
        modified_since=since,
        order=NEWEST_FIRST,
    )


def _credit_notes(client: XeroClient, page: int, since: datetime | None, size: int) -> Page:
    return client.credit_notes(page=page, page_size=size, modified_since=since, order=NEWEST_FIRST)


def _quotes(client: XeroClient, page: int, since: datetime | None, size: int) -> Page:
    del size  # Xero's quotes come 100 a page, whatever is asked
    return client.quotes(page=page, modified_since=since, order=NEWEST_FIRST)


RESOURCES: tuple[Resource, ...] = (
    Resource("contacts", _contacts),
    Resource("invoices", _invoices),
    Resource("credit_notes", _credit_notes),
    Resource("quotes", _quotes),
)
BY_NAME = {resource.name: resource for resource in RESOURCES}
