"""A company's summary: the five figures over its own Xero contact and its people's linked Xero
contacts (each counted once), and the documents behind them marked by contact.

Assembled like the contact panel's (`widget.contact.panel`): Xero failures come back as an error
view, with the last known figures when there are any, never as an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from widget.cache import Fetched
from widget.company.context import GroupContext
from widget.contact import clock, mirrored, present
from widget.contact import panel as contact_states
from widget.contact.panel import SummaryOutcome
from widget.db import get_session
from widget.mirror import read
from widget.xero import XeroError


@dataclass(frozen=True)
class MarkedDocument:
    """A document of "View details", with whose it is (a company's list mixes contacts)."""

    contact_name: str
    document: present.DocumentView


def summary(ctx: GroupContext, *, refresh: bool = False) -> SummaryOutcome:
    """The figures, fetching what is not cached (Refresh: afresh). No linked contact: None."""
    ids = ctx.xero_contact_ids()
    if not ids:
        return SummaryOutcome(None, None)
    refresh, notice = contact_states.claim_refresh(ctx, refresh)
    try:
        org = ctx.xero.organisation().value
        if ctx.mirror is not None:
            return SummaryOutcome(_mirror_view(ctx, org, ids, refresh, notice), None)
        fetched = ctx.xero.company_documents(ids, open_statuses=ctx.open_statuses, refresh=refresh)
    except (XeroError, TimeoutError) as exc:
        return SummaryOutcome(None, contact_states.failure(ctx, exc))
    view = replace(_view(ctx, org, fetched, ids), notice=notice)
    if fetched.stale:
        view = replace(view, error=contact_states.failure(ctx, fetched.error))
    return SummaryOutcome(view, view.error)


def warm_summary(ctx: GroupContext) -> present.SummaryView | None:
    """The figures from fresh cached values only (0 Xero calls), or None when anything is cold."""
    ids = ctx.xero_contact_ids()
    org = ctx.xero.cached_organisation()
    if ids and org is not None and ctx.mirror is not None:
        return _mirror_view(ctx, org.value, ids)
    entry = ctx.xero.cached_company_documents(ids, ctx.open_statuses) if ids else None
    if org is None or entry is None:
        return None
    fetched = Fetched(entry.value, entry.fetched_at, from_cache=True)
    return _view(ctx, org.value, fetched, ids)


def marked_documents(ctx: GroupContext, view: present.SummaryView, kind: str):
    """The documents of one kind, each with its contact's name (Xero's, else the link's)."""
    names = {p.xero_contact_id: p.xero_contact_name for p in ctx.people if p.xero_contact_id}
    if ctx.link is not None:
        names[ctx.link.xero_contact_id] = ctx.link.xero_contact_name
    lines = {
        "quote": view.details.quotes,
        "invoice": view.details.invoices,
        "bill": view.details.bills,
        "sales_credit": view.details.sales_credit_notes,
        "purchase_credit": view.details.purchase_credit_notes,
    }[kind]
    return [
        MarkedDocument(
            line.contact_name or names.get(line.contact_id or "", "") or "",
            present.document_view(line, view.locale, view.base_currency, view.short_code),
        )
        for line in lines
    ]


def _mirror_view(
    ctx: GroupContext, org, ids: list[str], refresh: bool = False, notice: str | None = None
) -> present.SummaryView:
    """The figures from the mirror (0 Xero calls); merged contacts count as their survivors."""
    synced_at, notice = contact_states.refreshed_at(ctx, refresh, notice)
    current = read.current_ids(get_session(), mirrored.scope(ctx), ids)
    fetched = mirrored.documents(ctx, current, synced_at)
    age = max(0.0, clock.now().timestamp() - fetched.fetched_at)
    paid = mirrored.paid_history(ctx, current)
    view = _view(ctx, org, fetched, current, age=age, from_mirror=True, paid_history=paid)
    return replace(view, notice=mirrored.merge_note(ctx, ctx.record_type) or notice)


def _view(
    ctx: GroupContext,
    org,
    fetched: Fetched,
    ids: list[str],
    *,
    age: float | None = None,
    from_mirror: bool = False,
    paid_history=None,
) -> present.SummaryView:
    link = ctx.link
    view = present.summary_view(
        link.xero_contact_id if link is not None else "",
        link.xero_contact_name if link is not None else ctx.record.get("name", ""),
        org,
        fetched,
        locale=ctx.locale,
        now=clock.now(),
        open_statuses=ctx.open_statuses,
        age_seconds=fetched.age(ctx.xero.cache.now()) if age is None else age,
        contact_ids=ids,
        from_mirror=from_mirror,
        paid_history=paid_history,
    )
    return replace(
        view,
        # several contacts' documents: the newest document's contact is not the company's name
        contact_name=link.xero_contact_name if link is not None else ctx.record.get("name", ""),
        xero_url=view.xero_url if link is not None else None,
    )
