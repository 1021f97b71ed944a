"""Xero reads for panels about several Xero contacts at once (a company, a deal).

Built on the contact panel's `ContactXero`: the same per-organisation cache (so the organisation
fetched by any panel serves all), the same single flight, stale-on-error and 429 hold, the same
one way out to Xero. What it adds, and what each costs (see `widget.company.plan`):
- a company's figures: one Invoices call per 50 contacts, and open quotes either per contact (one
  contact) or per open status across the organisation, shared by every panel of the organisation;
- a deal's documents: one Invoices call (sales, every status) and one Quotes call per contact;
- company suggestions: a Contacts search by name, then by each email domain.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Collection, Iterable

from widget.cache import Fetched
from widget.company import plan as planning
from widget.company.suggest import CrmCompany, plan_queries, suggest_for_company
from widget.contact.service import (
    GROUP_PREFIXES,
    SEARCH_PAGE_SIZE,
    SHARED_WAIT_SECONDS,
    ContactXero,
    Documents,
)
from widget.summary import DEFAULT_OPEN_QUOTE_STATUSES, INVOICE_PAGE_SIZE, Fetch
from widget.xero import Contact, Invoice, Quote, XeroClient

#: cache key prefixes (under the organisation's scope); a write to any contact's documents makes
#: them all stale (ContactXero.forget_documents, which the drafts call after creating one)
COMPANY_KEY, DEAL_KEY, OPEN_QUOTES_KEY = GROUP_PREFIXES


class GroupXero(ContactXero):
    """One organisation as seen from one workspace, for panels about several Xero contacts."""

    # --- a company's figures ----------------------------------------------------------------

    def company_documents(
        self,
        contact_ids: Iterable[str],
        *,
        open_statuses: Collection[str] = DEFAULT_OPEN_QUOTE_STATUSES,
        refresh: bool = False,
    ) -> Fetched:
        """Outstanding invoices and bills and open quotes of these contacts (cached, shared in
        flight, stale on error; `refresh` fetches afresh)."""
        ids = planning.unique_ids(contact_ids)
        plan = planning.plan_company_fetches(ids, open_statuses)
        return self.cache.get_or_fetch(
            self.scope,
            _key(COMPANY_KEY, ids, open_statuses),
            lambda: self._call(lambda client: self._company(client, plan, ids, refresh)),
            ttl=self.config["CONTACT_FIGURES_TTL"],
            wait_timeout=SHARED_WAIT_SECONDS,
            bypass=refresh,
        )

    def cached_company_documents(
        self,
        contact_ids: Iterable[str],
        open_statuses: Collection[str] = DEFAULT_OPEN_QUOTE_STATUSES,
    ):
        """The fresh cached entry, or None: what a warm panel renders without calling Xero."""
        ids = planning.unique_ids(contact_ids)
        return self.cache.get(self.scope, _key(COMPANY_KEY, ids, open_statuses))

    # --- a deal's documents -----------------------------------------------------------------

    def deal_documents(self, contact_ids: Iterable[str], *, refresh: bool = False) -> Fetched:
        """Every sales invoice and quote of these contacts: what a deal's rep picks from, and
        where the picks' current state (paid, voided…) is read."""
        ids = planning.unique_ids(contact_ids)
        plan = planning.plan_deal_fetches(ids)
        return self.cache.get_or_fetch(
            self.scope,
            _key(DEAL_KEY, ids, ()),
            lambda: self._call(lambda client: _run(client, plan.invoices + plan.quotes)),
            ttl=self.config["CONTACT_FIGURES_TTL"],
            wait_timeout=SHARED_WAIT_SECONDS,
            bypass=refresh,
        )

    def cached_deal_documents(self, contact_ids: Iterable[str]):
        return self.cache.get(self.scope, _key(DEAL_KEY, planning.unique_ids(contact_ids), ()))

    # --- company suggestions ----------------------------------------------------------------

    def company_suggestions(self, company: CrmCompany) -> Fetched:
        key = "suggest-company:" + _digest([company.name, *company.domains])
        return self.cache.get_or_fetch(
            self.scope,
            key,
            lambda: self._call(lambda client: _company_suggestions(client, company)),
            ttl=self.config["CONTACT_LOOKUP_TTL"],
            wait_timeout=SHARED_WAIT_SECONDS,
        )

    # --- helpers ----------------------------------------------------------------------------

    def _company(
        self, client: XeroClient, plan: planning.GroupPlan, ids: list[str], refresh: bool
    ) -> Documents:
        invoices = _run(client, plan.invoices).invoices
        if plan.quote_strategy == planning.PER_CONTACT:
            quotes = _run(client, plan.quotes).quotes
        else:
            quotes = self._open_quotes(client, plan.quotes, refresh)
        wanted = set(ids)
        mine = tuple(q for q in quotes if (q.contact_id or "").lower() in wanted)
        return Documents(invoices, mine)

    def _open_quotes(
        self, client: XeroClient, fetches: tuple[Fetch, ...], refresh: bool
    ) -> tuple[Quote, ...]:
        """Open quotes of the whole organisation, cached on their own: every company shares them.
        Not stale on error: a company's figures are either fresh or last known as a whole."""
        statuses = sorted(dict(f.params)["Status"] for f in fetches)
        fetched = self.cache.get_or_fetch(
            self.scope,
            OPEN_QUOTES_KEY + ",".join(statuses),
            lambda: _run(client, fetches).quotes,
            ttl=self.config["CONTACT_FIGURES_TTL"],
            wait_timeout=SHARED_WAIT_SECONDS,
            bypass=refresh,
            stale_on_error=False,
        )
        return fetched.value


# --- running planned fetches ------------------------------------------------------------------


def _run(client: XeroClient, fetches: Iterable[Fetch]) -> Documents:
    """Every page of each planned call; line items dropped (they cost memory, not shown)."""
    invoices: list[Invoice] = []
    quotes: list[Quote] = []
    for fetch in fetches:
        params = dict(fetch.params)
        if fetch.endpoint == "Invoices":
            found = client.all_pages(
                client.invoices,
                contact_ids=params["ContactIDs"].split(","),
                statuses=params["Statuses"].split(",") if "Statuses" in params else None,
                invoice_type=planning.SALES if "where" in params else None,
                summary_only=params.get("summaryOnly") == "true",
                page_size=int(params.get("pageSize", INVOICE_PAGE_SIZE)),
            )
            invoices.extend(dataclasses.replace(i, line_items=()) for i in found)
        elif fetch.endpoint == "Quotes":
            found = client.all_pages(
                client.quotes, contact_id=params.get("ContactID"), status=params.get("Status")
            )
            quotes.extend(dataclasses.replace(q, line_items=()) for q in found)
        else:  # the plans only know these two; anything else is a programming error
            raise ValueError(f"no fetch for {fetch.endpoint}")
    return Documents(tuple(invoices), tuple(quotes))


def _company_suggestions(client: XeroClient, company: CrmCompany):
    """Each planned search (name, then domains), ranked together."""
    candidates: dict[str, Contact] = {}
    for term, _reason in plan_queries(company):
        for contact in client.contacts(search_term=term, page=1, page_size=SEARCH_PAGE_SIZE).items:
            candidates.setdefault(contact.contact_id, contact)
    return suggest_for_company(company, candidates.values())


def _key(prefix: str, ids: list[str], statuses: Collection[str]) -> str:
    return prefix + _digest(ids) + ":" + ",".join(sorted(s.upper() for s in statuses))


def _digest(values: list[str]) -> str:
    return hashlib.sha256("\n".join(values).encode()).hexdigest()[:32]
