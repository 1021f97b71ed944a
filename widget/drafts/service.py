"""The drafts' Xero calls for one organisation: reference data (cached for hours), creating a
quote, invoice or bill, and finding one a lost answer may have created.

Reference data (organisation, accounts, tax rates, items, currencies: five calls) changes rarely,
so it is fetched once per organisation and kept for DRAFTS_REFERENCE_TTL in the panel cache (the
same per-workspace-and-organisation scopes, single flight and last-known-on-error as the figures).
After a Xero refusal it is marked stale, in case what Xero refused was our out-of-date copy.
Every call respects an earlier 429's Retry-After (the client's governor, `widget.xero.governor`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from flask import current_app

from widget.cache import Cache, CacheScope
from widget.connection.errors import NotConnected
from widget.connection.service import client_for
from widget.contact.service import panel_cache
from widget.drafts.reference import Reference
from widget.mirror.service import note_created
from widget.xero import InvoiceDraft, QuoteDraft, XeroClient
from widget.xero.models import Invoice, Quote

T = TypeVar("T")
log = logging.getLogger(__name__)
REFERENCE_KEY = "drafts:reference"


def connected_client(workspace_id: str, tenant_id: str) -> Callable[[], XeroClient]:
    """A maker of the workspace's client that refuses to work for another organisation (the
    workspace reconnected elsewhere since this request began)."""

    def make() -> XeroClient:
        client = client_for(workspace_id)
        if client.tenant_id != tenant_id:
            raise NotConnected(workspace_id)
        return client

    return make


class DraftsXero:
    def __init__(
        self,
        workspace_id: str,
        tenant_id: str,
        make_client: Callable[[], XeroClient],
        cache: Cache | None = None,
    ):
        self.scope = CacheScope(workspace_id, tenant_id)
        self.tenant_id = tenant_id
        self.cache = cache if cache is not None else panel_cache()
        self._make_client = make_client
        self._client: XeroClient | None = None

    @classmethod
    def for_workspace(cls, workspace_id: str, tenant_id: str) -> DraftsXero:
        return cls(workspace_id, tenant_id, connected_client(workspace_id, tenant_id))

    def reference(self) -> Reference:
        ttl = current_app.config["DRAFTS_REFERENCE_TTL"]
        return self.cache.get_or_fetch(
            self.scope, REFERENCE_KEY, lambda: self._call(_fetch_reference), ttl=ttl
        ).value

    def forget_reference(self) -> None:
        self.cache.invalidate(self.scope, REFERENCE_KEY)

    def create(self, draft: InvoiceDraft | QuoteDraft, key: str) -> Invoice | Quote:
        if isinstance(draft, QuoteDraft):
            created = self._call(lambda client: client.create_quote(draft, idempotency_key=key))
        else:
            created = self._call(lambda client: client.create_invoice(draft, idempotency_key=key))
        _into_mirror(self.scope, created)
        return created

    def find_created(
        self, draft: InvoiceDraft | QuoteDraft, total: Decimal, since: datetime
    ) -> list[Invoice | Quote]:
        """What a lost answer may have created, once Xero may have forgotten its key, best first:
        in ANY status (the rep may have approved or sent it since), the same contact, date,
        reference, currency and total, updated since the first try. An invoice or bill carrying
        another submission's mark (`Url`) is never one of them; one carrying ours comes first."""
        return self._call(lambda client: _find(client, draft, total, since))

    def _call(self, work: Callable[[XeroClient], T]) -> T:
        if self._client is None:
            self._client = self._make_client()
        return work(self._client)


def _into_mirror(scope: CacheScope, document: Invoice | Quote) -> None:
    """The panels read the mirror: put what Xero just created there now, not at the next sync.
    The document exists in Xero whatever happens here, so a failure is only logged."""
    try:
        note_created(scope.workspace_id, scope.tenant_id, document)
    except Exception as exc:
        log.warning(
            "created document not mirrored yet", extra={"fields": {"error": type(exc).__name__}}
        )


def _fetch_reference(client: XeroClient) -> Reference:
    organisation = client.organisation()
    codes = [organisation.base_currency]
    codes += [c.code for c in client.currencies() if c.code not in codes]
    return Reference(
        organisation=organisation,
        accounts=tuple(client.accounts()),
        tax_rates=tuple(client.tax_rates()),
        items=tuple(client.items()),
        currencies=tuple(codes),
    )


def _find(client: XeroClient, draft, total: Decimal, since: datetime) -> list:
    if isinstance(draft, QuoteDraft):
        found = client.all_pages(
            client.quotes, contact_id=draft.contact_id, date_from=draft.date, date_to=draft.date
        )
        reference = draft.reference or ""
    else:
        found = _invoices(client, draft)
        reference = (draft.invoice_number if draft.type == "ACCPAY" else draft.reference) or ""
    earliest = since - timedelta(minutes=1)
    matches = [
        doc
        for doc in found
        if (draft.date is None or _day(doc.date) == draft.date)
        and _reference(doc, draft) == reference
        and (doc.currency_code or "") == (draft.currency_code or doc.currency_code or "")
        and doc.total == total
        and (doc.updated_at is None or doc.updated_at >= earliest)
        and _same_mark(doc, draft)
    ]
    # ours by its mark first, then the oldest: the first press's, not a later identical form's
    matches.sort(key=lambda doc: (not _marked_ours(doc, draft), doc.updated_at or since))
    return matches


def _invoices(client: XeroClient, draft: InvoiceDraft):
    if draft.date is not None:
        return client.all_pages(
            client.invoices_dated,
            contact_id=draft.contact_id,
            invoice_type=draft.type,
            day=draft.date,
        )
    return client.all_pages(
        client.invoices,
        contact_ids=[draft.contact_id],
        invoice_type=draft.type,
        summary_only=True,
        page_size=100,
    )


def _same_mark(doc, draft) -> bool:
    """False for a document marked by another submission; unmarked ones may still be ours (a
    Xero that dropped the Url, or a press sent before documents were marked)."""
    mark = getattr(doc, "url", None)
    return not mark or mark == getattr(draft, "url", None)


def _marked_ours(doc, draft) -> bool:
    mark = getattr(doc, "url", None)
    return bool(mark) and mark == getattr(draft, "url", None)


def _reference(doc, draft) -> str:
    if isinstance(doc, Invoice) and doc.type == "ACCPAY":
        return doc.invoice_number or ""
    return doc.reference or ""


def _day(value) -> date | None:
    return value.date() if isinstance(value, datetime) else value
