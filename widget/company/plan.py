"""The Xero calls behind a company's or a deal's figures: several Xero contacts at once.

Pure, like `widget.summary.plan_summary_fetches` (which plans for one contact), so the call count
is decided and tested here, apart from Xero.

Invoices take a list of contacts (`ContactIDs`), so many contacts cost one call per 50 ids
(`CONTACTS_PER_INVOICE_CALL`: the URL stays near 2 KB).

Quotes are the hard part: Xero's `ContactID` and `Status` filters take ONE value each, and quotes
have no `summaryOnly` or `pageSize`. The choices, for N contacts and S open statuses (DRAFT and
SENT, plus ACCEPTED when an admin counts it):
- per contact (`ContactID=…`): N calls. Exact, but 50 contacts make 50 calls;
- per status across the organisation (`Status=DRAFT`, `Status=SENT`): S calls (plus a page per
  further 100 open quotes), filtered by contact here. Open quotes are a small slice of an
  organisation's quotes (most are accepted, invoiced or declined), so this is S calls in practice;
- a date or expiry window across the organisation: cheap, but wrong — a SENT quote past its
  expiry still counts as open (marked expired), and a draft can be any age, so no window is safe.
A company therefore uses per-status fetches whenever it has at least S contacts (and per-contact
fetches below that: one contact costs one call, not two). The per-status answer does not depend on
the company, so it is cached per organisation and shared by every company panel (and deal) that
needs it while fresh: a second company costs its Invoices call only.

A deal lists all statuses (the rep picks accepted and invoiced quotes too), so it fetches per
contact: deals name a handful of people, not fifty.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from widget.summary import (
    AUTHORISED,
    CONTACTS_PER_INVOICE_CALL,
    DEFAULT_OPEN_QUOTE_STATUSES,
    INVOICE_PAGE_SIZE,
    SALES,
    Fetch,
)

PER_CONTACT = "per-contact"
PER_STATUS = "per-status"
#: quote statuses a deal never lists (nothing to pick: Xero keeps them only as history)
GONE_QUOTE_STATUSES = frozenset({"DELETED"})


@dataclass(frozen=True)
class GroupPlan:
    """The calls for a group of contacts: invoice calls, and how quotes are fetched."""

    invoices: tuple[Fetch, ...]
    quote_strategy: str
    quotes: tuple[Fetch, ...]

    @property
    def calls(self) -> int:
        """First pages only: each further page of 100 quotes or 1000 invoices is one more."""
        return len(self.invoices) + len(self.quotes)


def unique_ids(ids: Iterable[str | None]) -> list[str]:
    """Each Xero contact id once, lower-case, sorted (a cache key and a stable URL)."""
    return sorted({i.strip().lower() for i in ids if i and i.strip()})


def chunks(ids: list[str], size: int = CONTACTS_PER_INVOICE_CALL) -> list[list[str]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def quote_strategy(contact_count: int, open_statuses: Collection[str]) -> str:
    """Per contact while that is fewer calls than one per open status (see the module doc)."""
    return PER_CONTACT if contact_count < len(set(open_statuses)) else PER_STATUS


def plan_company_fetches(
    contact_ids: Iterable[str], open_statuses: Collection[str] = DEFAULT_OPEN_QUOTE_STATUSES
) -> GroupPlan:
    """The figures of several contacts: outstanding invoices and bills, and open quotes."""
    ids = unique_ids(contact_ids)
    statuses = sorted({s.upper() for s in open_statuses})
    if not ids:
        return GroupPlan((), PER_CONTACT, ())
    invoices = tuple(
        Fetch(
            "Invoices",
            (
                ("ContactIDs", ",".join(chunk)),
                ("Statuses", AUTHORISED),
                ("summaryOnly", "true"),
                ("pageSize", str(INVOICE_PAGE_SIZE)),
            ),
        )
        for chunk in chunks(ids)
    )
    strategy = quote_strategy(len(ids), statuses)
    if strategy == PER_CONTACT:
        only = (("Status", statuses[0]),) if len(statuses) == 1 else ()
        quotes = tuple(Fetch("Quotes", (("ContactID", i), *only)) for i in ids)
    else:
        quotes = tuple(Fetch("Quotes", (("Status", status),)) for status in statuses)
    return GroupPlan(invoices, strategy, quotes)


def plan_deal_fetches(contact_ids: Iterable[str]) -> GroupPlan:
    """What a deal's rep may pick from: sales invoices (every status: a voided or deleted pick
    must be seen to be noted) and quotes, of the deal's linked contacts."""
    ids = unique_ids(contact_ids)
    invoices = tuple(
        Fetch(
            "Invoices",
            (
                ("ContactIDs", ",".join(chunk)),
                ("where", f'Type=="{SALES}"'),
                ("summaryOnly", "true"),
                ("pageSize", str(INVOICE_PAGE_SIZE)),
            ),
        )
        for chunk in chunks(ids)
    )
    quotes = tuple(Fetch("Quotes", (("ContactID", i),)) for i in ids)
    return GroupPlan(invoices, PER_CONTACT, quotes)
