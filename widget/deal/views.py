"""Routes of the deal panel: the launched page (full or quick view), the summary of the picked
documents, "Choose documents" and picking, and linking the deal's people in place.

Reading needs `view`; choosing, picking and linking need `edit`. Picks are checked against what
Xero returned for the deal's linked contacts: an id the browser makes up cannot be picked.
"""

from flask import Blueprint, abort, render_template, request

from widget.auth.access import require
from widget.company import people, responses
from widget.db import get_session
from widget.deal import context, drafting, figures
from widget.deal import picks as picking
from widget.deal.models import DOCUMENT_TYPES
from widget.drafts import panel as drafts_panel

bp = Blueprint("deal", __name__, url_prefix="/deal")


def render_body(ctx, **values):
    return responses.body(ctx, "deal", **_state(ctx), **values)


people.register(bp, context.load, render_body)


@bp.get("")
@require("view", launch="deal")
def panel():
    quick = request.args.get("view") == "quick"
    return _page("deal/quick.html" if quick else "deal/panel.html")


@bp.get("/quick")
@require("view", launch="deal")
def quick_page():
    return _page("deal/quick.html")


@bp.get("/summary")
@require("view")
def summary():
    ctx = context.load()
    view = figures.deal_view(ctx, refresh=request.args.get("refresh") == "1")
    quick = request.args.get("view") == "quick"
    template = "deal/quick_summary.html" if quick else "deal/summary.html"
    return _fragment(template, ctx, view)


@bp.get("/choices")
@require("edit")
def choices():
    ctx = context.load()
    view = figures.deal_view(ctx, query=figures.ChoiceQuery.of(request.args))
    more = view.query is not None and view.query.page > 1  # from the mirror: the next rows
    return _fragment("deal/_choice_rows.html" if more else "deal/choices.html", ctx, view)


@bp.post("/documents/add")
@require("edit")
def add_document():
    ctx, document_type, document_id = _document(request.form)
    if ctx.problem is not None:
        return responses.notice(ctx, "deal", ctx.problem.message_for(ctx.is_admin), 409)
    view = figures.deal_view(ctx)
    row = figures.find_choice(view, document_type, document_id)
    if row is None and view.query is not None:  # from the mirror: any page may have shown it
        row = figures.find_pickable(ctx, document_type, document_id)
    if row is None and view.error is not None:
        return responses.notice(ctx, "deal", view.error.message, 503)
    if row is None:
        message = "That document is not one of the linked contacts' quotes or invoices."
        return responses.notice(ctx, "deal", message, 404)
    picking.add(get_session(), ctx.deal_key, document_type, row.document_id,
                xero_contact_id=row.contact_id, number=row.number, user=ctx.user)  # fmt: skip
    get_session().commit()
    return _after_change(ctx)


@bp.post("/documents/remove")
@require("edit")
def remove_document():
    ctx, document_type, document_id = _document(request.form)
    if ctx.problem is None:
        picking.remove(get_session(), ctx.deal_key, document_type, document_id, ctx.user)
        get_session().commit()
    return _after_change(ctx)


@bp.get("/drafts/<any(quote, invoice):kind>/new")
@require("edit")
def draft_form(kind: str):
    """Add quote / Add invoice: the drafts' form, for the deal (see widget.deal.drafting)."""
    ctx = drafting.load()
    return drafts_panel.open_form(kind, ctx=ctx, place=drafting.place(ctx))


@bp.post("/drafts/<any(quote, invoice):kind>")
@require("edit")
def create_draft(kind: str):
    ctx = drafting.load()
    return drafts_panel.submit(kind, ctx=ctx, place=drafting.place(ctx))


# --- responses ----------------------------------------------------------------------------------


def _page(template: str):
    ctx = context.load()
    return responses.page(ctx, template, **_state(ctx))


def _state(ctx) -> dict:
    return {"deal": figures.warm_deal(ctx) if ctx.problem is None else None}


def _fragment(template: str, ctx, view: figures.DealView):
    html = render_template(template, ctx=ctx, deal=view)
    retry_after = view.error.retry_after if view.error else None
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    failed = view.error is not None and view.summary is None and view.error.can_retry
    return html, 503 if failed else 200, headers


def _after_change(ctx):
    """The summary (the picks changed) and, out of band, the list to pick from (from the
    mirror: as filtered when the rep picked)."""
    ctx.forget_picks()
    query = figures.ChoiceQuery.of(request.form)
    view = figures.deal_view(ctx, query=query)  # the same cached fetch or the mirror: no call
    html = render_template("deal/summary.html", ctx=ctx, deal=view)
    html += render_template("deal/choices_oob.html", ctx=ctx, deal=view)
    return html, 200, {"HX-Retarget": "#deal-summary", "HX-Reswap": "innerHTML"}


def _document(values):
    ctx = context.load()
    document_type = str(values.get("document_type", ""))
    document_id = str(values.get("document_id", "")).strip().lower()
    if document_type not in DOCUMENT_TYPES or not document_id or len(document_id) > 36:
        abort(400, "Choose a quote or an invoice.")
    return ctx, document_type, document_id
