"""Xero reads and writes for the contact panel, cached per organisation (widget.cache).

What each panel view costs Xero (calls are the scarce resource; bytes are billed):
- the organisation (ShortCode, base currency, time zone): one call, cached for hours;
- a linked contact's figures and lists: the two calls of `summary.plan_summary_fetches`
  (Invoices with ContactIDs + Statuses=AUTHORISED,DRAFT + summaryOnly, and Quotes by ContactID:
  drafts ride along only to be listed in "View details", never counted), cached
  for minutes, shared by concurrent viewers (single flight), kept longer as last-known figures;
- suggestions and searches: Contacts lookups with small pages, cached briefly.
Refresh bypasses the figures' cache; creating a contact drops cached searches and suggestions.
After a 429 nothing is sent to that organisation until Xero's Retry-After has passed (the budget
governor every client call goes through: `widget.xero.governor`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import current_app

from widget import suggest as suggesting
from widget.cache import Cache, CacheScope, Fetched, make_cache
from widget.shared.fragments import RenderedFragments
from widget.summary import DEFAULT_OPEN_QUOTE_STATUSES, Fetch, plan_summary_fetches
from widget.xero import (
    Contact,
    ContactDraft,
    Invoice,
    Organisation,
    Quote,
    XeroClient,
)

T = TypeVar("T")
log = logging.getLogger(__name__)

CACHE_EXTENSION = "contact_cache"
RENDERED_EXTENSION = "contact_rendered"
DEFAULTS = {
    "CONTACT_FIGURES_TTL": 300,  # seconds figures count as fresh
    "CONTACT_ORGANISATION_TTL": 12 * 60 * 60,  # reference data: hours
    "CONTACT_LOOKUP_TTL": 120,  # suggestions and search results
    "CONTACT_STALE_FOR": 24 * 60 * 60,  # last-known figures shown while Xero fails
}
#: how long a request waits for the same fetch started by another one before giving up (the
#: leader's own Xero calls time out sooner; this only bounds a stuck leader)
SHARED_WAIT_SECONDS = 60
#: cache keys of figures over several contacts (companies, deals: widget.company.service)
GROUP_PREFIXES = ("company-docs:", "deal-docs:", "open-quotes:")
SEARCH_PAGE_SIZE = 25
#: counts writes made through the widget: summaries rendered from the mirror before are stale
MIRROR_WRITTEN = "mirror-written"
MAX_SEARCH_LENGTH = 100
_EMAIL_WHERE = re.compile(r'^EmailAddress=="(?P<email>[^"]*)"$')


@dataclass(frozen=True)
class OrgProfile:
    """The organisation facts every panel needs."""

    name: str
    short_code: str | None
    base_currency: str
    timezone: str | None


@dataclass(frozen=True)
class Documents:
    """A contact's documents as the summary needs them (line items dropped: they cost memory)."""

    invoices: tuple[Invoice, ...]
    quotes: tuple[Quote, ...]
    #: credit notes: from the mirror only (the per-contact fetch does not read them)
    credit_notes: tuple = ()

    def contact_name(self) -> str | None:
        """The contact's current name in Xero, as its newest document says."""
        named = [d for d in (*self.invoices, *self.quotes) if d.contact_name]
        named.sort(key=lambda d: d.updated_at.timestamp() if d.updated_at else 0)
        return named[-1].contact_name if named else None


def init_app(app) -> None:
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    app.extensions[CACHE_EXTENSION] = make_cache(
        app, stale_for=app.config["CONTACT_STALE_FOR"], follower_guard=_waiting_place
    )
    app.extensions[RENDERED_EXTENSION] = RenderedFragments()


def _waiting_place(scope: CacheScope):
    """Waiting for another request's Xero call holds a thread like calling does: the governor
    gives each organisation only a few such places per process (issue 12's fairness)."""
    from widget.connection.service import governor

    return governor().waiting_place(scope.tenant_id)


def panel_cache() -> Cache:
    return current_app.extensions[CACHE_EXTENSION]


def remember_organisation(workspace_id: str, tenant_id: str, organisation: Organisation) -> None:
    """For code that has just fetched the organisation anyway (connecting does, to test the
    connection): the first panel then needs no Organisation call of its own."""
    panel_cache().set(
        CacheScope(workspace_id, tenant_id),
        "org",
        _profile(organisation),
        ttl=current_app.config["CONTACT_ORGANISATION_TTL"],
    )


def rendered_fragments() -> RenderedFragments:
    return current_app.extensions[RENDERED_EXTENSION]


class ContactXero:
    """One organisation as seen from one workspace. The Xero client is made only when a call is
    really needed, so a warm panel never touches tokens or Xero."""

    def __init__(
        self,
        workspace_id: str,
        tenant_id: str,
        make_client: Callable[[], XeroClient],
        cache: Cache | None = None,
        config: dict | None = None,
    ):
        self.scope = CacheScope(workspace_id, tenant_id)
        self.tenant_id = tenant_id
        self.cache = cache if cache is not None else panel_cache()
        self.config = config if config is not None else current_app.config
        self._make_client = make_client
        self._client: XeroClient | None = None

    # --- reads ----------------------------------------------------------------------------

    def organisation(self) -> Fetched:
        return self.cache.get_or_fetch(
            self.scope,
            "org",
            lambda: self._call(lambda client: _profile(client.organisation())),
            ttl=self.config["CONTACT_ORGANISATION_TTL"],
            wait_timeout=SHARED_WAIT_SECONDS,
        )

    def cached_organisation(self):
        """The fresh cached organisation entry (value: OrgProfile), or None."""
        return self.cache.get(self.scope, "org")

    def documents(
        self,
        contact_id: str,
        *,
        refresh: bool = False,
        open_statuses: Collection[str] = DEFAULT_OPEN_QUOTE_STATUSES,
    ) -> Fetched:
        """The figures' documents: cached, shared in flight, stale on error; `refresh` skips
        the cached value (Refresh). Raises when Xero fails and nothing is known."""
        plan = plan_summary_fetches([contact_id], open_statuses)
        return self.cache.get_or_fetch(
            self.scope,
            _documents_key(contact_id, open_statuses),
            lambda: self._call(lambda client: _documents(client, plan)),
            ttl=self.config["CONTACT_FIGURES_TTL"],
            wait_timeout=SHARED_WAIT_SECONDS,
            bypass=refresh,
        )

    def cached_documents(
        self, contact_id: str, open_statuses: Collection[str] = DEFAULT_OPEN_QUOTE_STATUSES
    ):
        """Fresh cached documents with their entry, or None: what a warm panel renders."""
        return self.cache.get(self.scope, _documents_key(contact_id, open_statuses))

    def suggestions(self, crm: suggesting.CrmContact) -> Fetched:
        key = "suggest:" + _digest(dataclasses.asdict(crm))
        return self.cache.get_or_fetch(
            self.scope,
            key,
            lambda: self._call(lambda client: _suggestions(client, crm)),
            ttl=self.config["CONTACT_LOOKUP_TTL"],
            wait_timeout=SHARED_WAIT_SECONDS,
        )

    def search(self, term: str) -> Fetched:
        """Contacts whose name, first or last name (or email) contain `term` (Xero searchTerm)."""
        term = " ".join(term.split())[:MAX_SEARCH_LENGTH]
        return self.cache.get_or_fetch(
            self.scope,
            "search:" + _digest(term.casefold()),
            lambda: self._call(
                lambda client: (
                    client.contacts(search_term=term, page=1, page_size=SEARCH_PAGE_SIZE).items
                )
            ),
            ttl=self.config["CONTACT_LOOKUP_TTL"],
            wait_timeout=SHARED_WAIT_SECONDS,
        )

    def contact(self, contact_id: str) -> Contact:
        """One contact, fresh from Xero (before linking: it must exist in this organisation)."""
        return self._call(lambda client: client.contact(contact_id))

    # --- writes ---------------------------------------------------------------------------

    def forget_documents(self, contact_id: str) -> None:
        """After a write that changes a contact's documents (a new quote, invoice or bill): its
        figures are fetched again next time, and stay available as last known meanwhile. So are
        the figures of companies and deals (widget.company), which may cover this contact."""
        self.cache.invalidate(self.scope, f"docs:{contact_id.lower()}:")
        for prefix in GROUP_PREFIXES:
            self.cache.invalidate(self.scope, prefix)
        self.cache.set(self.scope, MIRROR_WRITTEN, self._written() + 1, ttl=24 * 60 * 60)
        _mirror_soon(self.scope.workspace_id, self.tenant_id)

    def contacts_named(self, name: str) -> list[Contact]:
        """Contacts with exactly this name, archived ones too, fresh from Xero (names are unique
        in an organisation: where Add contact looks for what a lost answer created)."""
        return self._call(lambda client: client.contacts(name=name, include_archived=True).items)

    def _written(self) -> int:
        entry = self.cache.get(self.scope, MIRROR_WRITTEN)
        return entry.value if entry is not None else 0

    def create_contact(self, draft: ContactDraft, idempotency_key: str) -> Contact:
        contact = self._call(
            lambda client: client.create_contact(draft, idempotency_key=idempotency_key)
        )
        _into_mirror(self.scope.workspace_id, self.tenant_id, contact)
        # a new contact must show up in searches and suggestions at once
        self.cache.invalidate(self.scope, "search:", keep_stale=False)
        self.cache.invalidate(self.scope, "suggest:", keep_stale=False)
        return contact

    # --- the one way out to Xero ----------------------------------------------------------

    def _call(self, work: Callable[[XeroClient], T]) -> T:
        return work(self._xero())

    def _xero(self) -> XeroClient:
        if self._client is None:
            self._client = self._make_client()
        return self._client


# --- helpers ------------------------------------------------------------------------------------


def _mirror_soon(workspace_id: str, tenant_id: str) -> None:
    """After a write: the mirror syncs the organisation now (in the background), so panels that
    read it show the new document within moments."""
    from widget.mirror import service as mirror

    try:
        if mirror.mirror_status(workspace_id, tenant_id).ready:
            mirror.start_sync(workspace_id, tenant_id)
    except Exception:  # the mirror failing must never fail the write that succeeded
        log.exception("mirror: could not queue a sync after a write")


def _into_mirror(workspace_id: str, tenant_id: str, document) -> None:
    """A contact or document Xero just returned from our own PUT: into the mirror at once."""
    from widget.mirror import service as mirror

    try:
        mirror.note_created(workspace_id, tenant_id, document)
    except Exception:
        log.exception("mirror: could not note a created record")


def _profile(organisation: Organisation) -> OrgProfile:
    return OrgProfile(
        name=organisation.name,
        short_code=organisation.short_code,
        base_currency=organisation.base_currency,
        timezone=organisation.timezone,
    )


def _documents_key(contact_id: str, open_statuses: Collection[str]) -> str:
    statuses = ",".join(sorted(s.upper() for s in open_statuses))
    return f"docs:{contact_id.lower()}:{statuses}"


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _documents(client: XeroClient, plan: list[Fetch]) -> Documents:
    invoices: list[Invoice] = []
    quotes: list[Quote] = []
    for fetch in plan:
        params = dict(fetch.params)
        if fetch.endpoint == "Invoices":
            found = client.all_pages(
                client.invoices,
                contact_ids=params["ContactIDs"].split(","),
                statuses=params["Statuses"].split(","),
                summary_only=params.get("summaryOnly") == "true",
                page_size=int(params["pageSize"]),
            )
            invoices.extend(dataclasses.replace(i, line_items=()) for i in found)
        elif fetch.endpoint == "Quotes":
            found = client.all_pages(
                client.quotes, contact_id=params["ContactID"], status=params.get("Status")
            )
            quotes.extend(dataclasses.replace(q, line_items=()) for q in found)
        else:  # the plan only knows these two; anything else is a programming error
            raise ValueError(f"no fetch for {fetch.endpoint}")
    return Documents(tuple(invoices), tuple(quotes))


def _suggestions(client: XeroClient, crm: suggesting.CrmContact) -> list[suggesting.Suggestion]:
    """Run the planned lookups best first, stopping once better ones fill the list."""
    limit = suggesting.DEFAULT_LIMIT
    candidates: dict[str, Contact] = {}
    found: list[suggesting.Suggestion] = []
    for query in suggesting.plan_suggestion_queries(crm):
        if suggesting.enough(found, query, limit):
            break
        for contact in _lookup(client, dict(query.params)):
            candidates.setdefault(contact.contact_id, contact)
        found = suggesting.suggest(crm, candidates.values(), limit=limit)
    missing = suggesting.missing_merge_targets(candidates.values())
    if missing:  # merged contacts stand for their survivors: fetch those once
        for contact in client.contacts(ids=missing[:50], page=1).items:
            candidates.setdefault(contact.contact_id, contact)
        found = suggesting.suggest(crm, candidates.values(), limit=limit)
    return found


def _lookup(client: XeroClient, params: dict[str, str]) -> list[Contact]:
    """One planned Contacts query, through the client's typed filters."""
    paging = {"page": int(params.get("page", 1)), "page_size": int(params["pageSize"])}
    where = _EMAIL_WHERE.match(params.get("where", ""))
    if where:
        return client.contacts(email=where.group("email"), **paging).items
    return client.contacts(search_term=params["searchTerm"], **paging).items
