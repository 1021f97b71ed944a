"""A deal's view: the figures over the picked documents, the picks with their state in Xero
(voided or deleted ones drop out of the figures with a note), and what the rep may pick from.

All three come from one cached fetch (`GroupXero.deal_documents`): every sales invoice and quote of
the deal's linked contacts and of the picks' contacts, so picking and unpicking cost no Xero call.
Once the organisation mirror is ready, they come from it instead (0 Xero calls): the picks by id,
and Choose documents a page at a time, newest first, open ones or all, with a text filter.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal

from widget.cache import Fetched
from widget.contact import clock, deeplinks, mirrored, present
from widget.contact import panel as contact_states
from widget.contact.service import Documents
from widget.db import get_session
from widget.deal.context import DealContext
from widget.deal.models import INVOICE, QUOTE
from widget.formatting import format_day, format_money
from widget.mirror import read
from widget.xero import XeroError

GONE_INVOICE_STATUSES = frozenset({"VOIDED", "DELETED"})
GONE_QUOTE_STATUSES = frozenset({"DELETED"})
OPEN_INVOICE_STATUSES = frozenset({"DRAFT", "SUBMITTED", "AUTHORISED"})
DEAL_FIGURES = ("open_quotes", "overdue_invoices", "outstanding_invoices")


@dataclass(frozen=True)
class DocumentRow:
    """A quote or invoice as the deal panel lists it (picked, or to pick from)."""

    document_type: str  # "quote" | "invoice"
    document_id: str
    number: str
    contact_name: str
    status: str
    date_text: str
    due_text: str
    total_text: str
    amount_due_text: str
    url: str | None
    open: bool = False
    picked: bool = False
    suggested: bool = False
    #: why a picked document no longer counts ("voided in Xero"…); None while it counts
    gone: str | None = None
    contact_id: str = ""


@dataclass(frozen=True)
class ChoiceQuery:
    """Which page of Choose documents (from the mirror): open ones or all, a text filter."""

    status: str = "open"
    text: str = ""
    page: int = 1

    @classmethod
    def of(cls, args) -> ChoiceQuery:
        status = "all" if args.get("status") == "all" else "open"
        try:
            page = min(max(1, int(str(args.get("page", 1)))), 1000)
        except ValueError:
            page = 1
        return cls(status, " ".join(str(args.get("q", "")).split())[:100], page)


@dataclass(frozen=True)
class DealView:
    summary: present.SummaryView | None  # figures over the picks still counting
    picked: tuple[DocumentRow, ...]
    choices: tuple[DocumentRow, ...]
    error: present.ErrorView | None = None
    #: from the mirror: Choose documents is paged (this page's query, and whether more follow)
    query: ChoiceQuery | None = None
    more_choices: bool = False

    @property
    def notes(self) -> list[str]:
        return [f"{row.number} {row.gone}: it no longer counts." for row in self.picked if row.gone]


def deal_view(
    ctx: DealContext, *, refresh: bool = False, query: ChoiceQuery | None = None
) -> DealView:
    """The deal's view, from the mirror when ready, else fetching what is not cached; on
    failure an error (with the last known view when there is one)."""
    ids = ctx.document_contact_ids()
    if not ids:
        return _empty(ctx)
    refresh, notice = contact_states.claim_refresh(ctx, refresh)
    try:
        org = ctx.xero.organisation().value
        if ctx.mirror is not None:
            return _mirror_deal(ctx, org, refresh, notice, query or ChoiceQuery())
        fetched = ctx.xero.deal_documents(ids, refresh=refresh)
    except (XeroError, TimeoutError) as exc:
        return DealView(None, _unfetched(ctx), (), contact_states.failure(ctx, exc))
    view = _build(ctx, org, fetched)
    if fetched.stale:
        view = replace(view, error=contact_states.failure(ctx, fetched.error))
    if notice and view.summary is not None:
        view = replace(view, summary=replace(view.summary, notice=notice))
    return view


def warm_deal(ctx: DealContext) -> DealView | None:
    """The view from fresh cached values only (0 Xero calls), or None when anything is cold."""
    ids = ctx.document_contact_ids()
    if not ids:
        return _empty(ctx)
    org = ctx.xero.cached_organisation()
    if org is not None and ctx.mirror is not None:
        return _mirror_deal(ctx, org.value, False, None, ChoiceQuery())
    entry = ctx.xero.cached_deal_documents(ids)
    if org is None or entry is None:
        return None
    return _build(ctx, org.value, Fetched(entry.value, entry.fetched_at, from_cache=True))


def find_choice(view: DealView, document_type: str, document_id: str) -> DocumentRow | None:
    """A document the rep may pick, by what the browser sent back (never trusted otherwise)."""
    wanted = (document_type, document_id.lower())
    return next((c for c in view.choices if (c.document_type, c.document_id) == wanted), None)


def find_pickable(ctx: DealContext, document_type: str, document_id: str) -> DocumentRow | None:
    """From the mirror: a linked contact's sales invoice or quote, not voided or deleted, by id
    (any page of Choose documents may have shown it)."""
    org = ctx.xero.cached_organisation()
    if org is None:
        return None
    scope = mirrored.scope(ctx)
    if document_type == QUOTE:
        found = read.quotes_by_id(get_session(), scope, [document_id])
    else:
        found = [i for i in read.invoices_by_id(get_session(), scope, [document_id])
                 if i.type == "ACCREC"]  # fmt: skip
    doc = found[0] if found else None
    linked = set(ctx.xero_contact_ids())
    if doc is None or (doc.contact_id or "").lower() not in linked or _gone(document_type, doc):
        return None
    return _row(ctx, org.value, document_type, doc, _names(ctx))


# --- assembling -----------------------------------------------------------------------------


def _mirror_deal(ctx: DealContext, org, refresh: bool, notice, query: ChoiceQuery) -> DealView:
    """The picks (by id) and one page of Choose documents, from the mirror."""
    synced_at, notice = contact_states.refreshed_at(ctx, refresh, notice)
    session, scope = get_session(), mirrored.scope(ctx)
    invoices = read.invoices_by_id(session, scope, [p.document_id for p in ctx.picks
                                                    if p.document_type == INVOICE])  # fmt: skip
    quotes = read.quotes_by_id(session, scope, [p.document_id for p in ctx.picks
                                                if p.document_type == QUOTE])  # fmt: skip
    synced = synced_at.timestamp() if synced_at else 0.0
    fetched = Fetched(Documents(tuple(invoices), tuple(quotes)), synced, from_cache=True)
    view = _build(ctx, org, fetched, age=max(0.0, clock.now().timestamp() - synced))
    page = read.choices_page(
        session, scope, ctx.xero_contact_ids(), open_only=query.status == "open",
        open_quote_statuses=ctx.open_statuses, text=query.text, page=query.page,
    )  # fmt: skip
    picked = {(p.document_type, p.document_id) for p in ctx.picks}
    primary = (ctx.primary.xero_contact_id or "").lower() if ctx.primary else ""
    names = _names(ctx)
    rows = tuple(
        _choice_row(ctx, org, QUOTE if hasattr(doc, "quote_id") else INVOICE, doc, names, picked,
                    primary)
        for doc in page.items
    )  # fmt: skip
    summary = replace(view.summary, notice=notice) if view.summary is not None else None
    return replace(view, summary=summary, choices=rows, query=query, more_choices=page.more)


def _build(ctx: DealContext, org, fetched: Fetched, age: float | None = None) -> DealView:
    docs: Documents = fetched.value
    quotes = {q.quote_id.lower(): q for q in docs.quotes}
    invoices = {i.invoice_id.lower(): i for i in docs.invoices}
    names = _names(ctx)
    rows, counted_quotes, counted_invoices = [], [], []
    for pick in ctx.picks:
        found = (quotes if pick.document_type == QUOTE else invoices).get(pick.document_id)
        gone = _gone(pick.document_type, found)
        if found is None and _newer_than_read(pick, fetched):
            gone = None  # just created and picked: the mirror has not read it yet
        if found is not None and gone is None:
            (counted_quotes if pick.document_type == QUOTE else counted_invoices).append(found)
        rows.append(_picked_row(ctx, org, pick, found, gone, names))
    counted = Documents(tuple(counted_invoices), tuple(counted_quotes))
    return DealView(
        _summary(ctx, org, replace(fetched, value=counted), age),
        tuple(rows),
        _choices(ctx, org, docs, {(p.document_type, p.document_id) for p in ctx.picks}, names),
    )


def _summary(ctx: DealContext, org, fetched: Fetched, age: float | None) -> present.SummaryView:
    documents: Documents = fetched.value
    ids = [d.contact_id or "" for d in (*documents.invoices, *documents.quotes)]
    view = present.summary_view(
        "",
        ctx.deal_name,
        org,
        fetched,
        locale=ctx.locale,
        now=clock.now(),
        open_statuses=ctx.open_statuses,
        age_seconds=fetched.age(ctx.xero.cache.now()) if age is None else age,
        contact_ids=ids,
    )
    figures = tuple(f for f in view.figures if f.key in DEAL_FIGURES)
    return replace(view, figures=figures, contact_name=ctx.deal_name, xero_url=None)


def _choices(ctx: DealContext, org, docs: Documents, picked: set, names: dict) -> tuple:
    """The linked people's quotes and invoices, the primary contact's open ones first (marked
    suggested), then other open ones, then the rest; newest first within each."""
    linked = set(ctx.xero_contact_ids())
    primary = (ctx.primary.xero_contact_id or "").lower() if ctx.primary else ""
    rows = []
    for doc_type, documents in ((QUOTE, docs.quotes), (INVOICE, docs.invoices)):
        for doc in documents:
            contact = (doc.contact_id or "").lower()
            if contact not in linked or _gone(doc_type, doc):
                continue
            rows.append((doc, _choice_row(ctx, org, doc_type, doc, names, picked, primary)))
    rows.sort(key=lambda pair: (not pair[1].suggested, not pair[1].open, _newest(pair[0])))
    return tuple(row for _doc, row in rows)


def _choice_row(ctx, org, doc_type: str, doc, names: dict, picked: set, primary: str):
    """A document to pick from: open, suggested (the primary contact's open ones), picked."""
    row = _row(ctx, org, doc_type, doc, names)
    is_open = _is_open(ctx, doc_type, doc)
    suggested = is_open and (doc.contact_id or "").lower() == primary
    key = (doc_type, row.document_id)
    return replace(row, open=is_open, suggested=suggested, picked=key in picked)


def _picked_row(ctx, org, pick, found, gone: str | None, names: dict) -> DocumentRow:
    if found is None:
        return DocumentRow(
            pick.document_type, pick.document_id, pick.number or "(no number)",
            names.get(pick.xero_contact_id, ""), "", "", "", "", "", None, picked=True, gone=gone,
        )  # fmt: skip
    row = _row(ctx, org, pick.document_type, found, names)
    return replace(row, picked=True, gone=gone, open=_is_open(ctx, pick.document_type, found))


def _row(ctx, org, doc_type: str, doc, names: dict) -> DocumentRow:
    locale, base = ctx.locale, org.base_currency
    currency = (doc.currency_code or base).upper()
    doc_id = (doc.quote_id if doc_type == QUOTE else doc.invoice_id).lower()
    number = (doc.quote_number if doc_type == QUOTE else doc.invoice_number) or "(no number)"
    due = doc.expiry_date if doc_type == QUOTE else doc.due_date
    amount_due = getattr(doc, "amount_due", None)
    return DocumentRow(
        document_type=doc_type,
        document_id=doc_id,
        number=number,
        contact_name=doc.contact_name or names.get((doc.contact_id or "").lower(), ""),
        status=doc.status,
        date_text=format_day(_day(doc.date), locale),
        due_text=format_day(_day(due), locale),
        total_text=format_money(doc.total or Decimal(0), currency, locale, base),
        amount_due_text=""
        if amount_due is None
        else format_money(amount_due, currency, locale, base),
        url=deeplinks.document_url(doc_type, org.short_code, doc_id),
        contact_id=(doc.contact_id or "").lower(),
    )


def _newer_than_read(pick, fetched: Fetched) -> bool:
    """Picked after the documents were read (a document created from the deal a moment ago)."""
    picked_at = pick.picked_at
    if picked_at is None:
        return False
    if picked_at.tzinfo is None:
        picked_at = picked_at.replace(tzinfo=UTC)
    return picked_at.timestamp() > fetched.fetched_at


def _gone(doc_type: str, doc) -> str | None:
    if doc is None:
        return "is no longer in Xero"
    gone = GONE_QUOTE_STATUSES if doc_type == QUOTE else GONE_INVOICE_STATUSES
    return f"was {doc.status.lower()} in Xero" if doc.status in gone else None


def _is_open(ctx: DealContext, doc_type: str, doc) -> bool:
    if doc_type == QUOTE:
        return doc.status in ctx.open_statuses
    return doc.status in OPEN_INVOICE_STATUSES and not (
        doc.status == "AUTHORISED" and (doc.amount_due or 0) <= 0
    )


def _names(ctx: DealContext) -> dict[str, str]:
    return {
        p.xero_contact_id.lower(): p.xero_contact_name or ""
        for p in ctx.people
        if p.xero_contact_id
    }


def _newest(doc) -> tuple:
    day = _day(doc.date) or date.min
    number = doc.quote_number if hasattr(doc, "quote_id") else doc.invoice_number
    return (-day.toordinal(), number or "")


def _day(value: date | datetime | None) -> date | None:
    """Xero's date-only values are midnight UTC: the calendar part, never shifted."""
    return value.date() if isinstance(value, datetime) else value


def _empty(ctx: DealContext) -> DealView:
    return DealView(None, _unfetched(ctx), ())


def _unfetched(ctx: DealContext) -> tuple[DocumentRow, ...]:
    """The picks as stored, when Xero cannot say more (nothing linked, or Xero failing)."""
    return tuple(
        DocumentRow(
            p.document_type,
            p.document_id,
            p.number or "(no number)",
            "",
            "",
            "",
            "",
            "",
            "",
            None,
            picked=True,
        )  # fmt: skip
        for p in ctx.picks
    )
