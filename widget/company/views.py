"""Routes of the company panel: the launched page (full or quick view) and its htmx fragments.

The company's own link works as a contact's does (suggest by name and email domain, search,
create, link, unlink); its people are linked in place (`widget.company.people`). Reading needs
`view`; every change needs `edit` (hidden from view-only users, refused here by the decorator).
"""

from flask import Blueprint, render_template, request, url_for

from widget.auth.access import require
from widget.company import context, figures, people, responses
from widget.contact import links, listing, mirrored, undo
from widget.contact import panel as states
from widget.contact.creating import create_and_link, notice_partial
from widget.contact.forms import ContactForm
from widget.db import get_session
from widget.xero import XeroError, XeroNotFound
from widget.xero.filters import guid

bp = Blueprint("company", __name__, url_prefix="/company")
MIN_SEARCH_LENGTH = 2


def load() -> context.GroupContext:
    return context.load("company", "company")


def render_body(ctx, **values):
    return responses.body(ctx, "company", **_state(ctx), **values)


people.register(bp, load, render_body)


@bp.get("")
@require("view", launch="company")
def panel():
    quick = request.args.get("view") == "quick"
    return _page("company/quick.html" if quick else "company/panel.html")


@bp.get("/quick")
@require("view", launch="company")
def quick_page():
    return _page("company/quick.html")


@bp.get("/summary")
@require("view")
def summary():
    ctx = load()
    quick = request.args.get("view") == "quick"
    outcome = figures.summary(ctx, refresh=request.args.get("refresh") == "1")
    if outcome.summary is None and outcome.error is not None:
        retry = url_for("company.summary", view="quick" if quick else None)
        return responses.error(ctx, outcome.error, retry=(retry, "#company-summary"))
    template = "company/quick_summary.html" if quick else "company/summary.html"
    return render_template(template, ctx=ctx, summary=outcome.summary)


@bp.get("/details")
@require("view")
def details():
    ctx = load()
    outcome = figures.summary(ctx)
    if outcome.summary is None and outcome.error is not None:
        retry = (url_for("company.details"), "#company-details")
        return responses.error(ctx, outcome.error, retry=retry)
    marked = figures.marked_documents if outcome.summary else None
    return render_template("company/details.html", ctx=ctx, summary=outcome.summary, marked=marked)


@bp.get("/documents")
@require("view")
def documents():
    """All documents of the company's linked Xero contacts, a page at a time (mirror only)."""
    ctx = load()
    org = ctx.xero.cached_organisation() if ctx.problem is None else None
    if ctx.mirror is None or org is None:
        return responses.notice(
            ctx, "company", "The full list is available once Xero has been read.", 409
        )  # noqa: E501
    found = listing.listing(ctx, ctx.xero_contact_ids(), request.args, org.value)
    template = "contact/documents.html" if found.page == 1 else "contact/_document_rows.html"
    return render_template(template, ctx=ctx, listing=found, url=url_for("company.documents"))


@bp.get("/suggestions")
@require("view")
def suggestions():
    ctx = load()
    if ctx.problem is not None:
        return responses.error(ctx, states.failure(ctx, ctx.problem, log_it=False))
    try:
        found = (
            mirrored.company_suggestions(ctx, ctx.company)
            if ctx.mirror
            else ctx.xero.company_suggestions(ctx.company).value
        )
    except (XeroError, TimeoutError) as exc:
        retry = (url_for("company.suggestions"), "#company-suggestions")
        return responses.error(ctx, states.failure(ctx, exc), retry=retry)
    return render_template("company/suggestions.html", ctx=ctx, suggestions=found)


@bp.get("/search")
@require("view")
def search():
    ctx = load()
    term = " ".join(request.args.get("q", "").split())
    if ctx.problem is not None:
        return responses.error(ctx, states.failure(ctx, ctx.problem, log_it=False))
    if len(term) < MIN_SEARCH_LENGTH:
        return render_template("company/search_results.html", ctx=ctx, term=term, results=None)
    try:
        found = mirrored.find_contacts(ctx, term)
    except (XeroError, TimeoutError) as exc:
        return responses.error(ctx, states.failure(ctx, exc))
    return render_template("company/search_results.html", ctx=ctx, term=term, results=found)


@bp.post("/link")
@require("edit")
def link():
    ctx = load()
    try:
        contact_id = guid(request.form.get("xero_contact_id", ""))
    except ValueError:
        return responses.notice(ctx, "company", "Choose a Xero contact to link.", 400)
    if ctx.problem is not None:
        return responses.notice(ctx, "company", ctx.problem.message_for(ctx.is_admin), 409)
    try:
        contact = mirrored.find_contact(ctx, contact_id)
    except XeroNotFound:
        return responses.notice(ctx, "company", "That Xero contact no longer exists.", 404)
    except (XeroError, TimeoutError) as exc:
        return responses.error(ctx, states.failure(ctx, exc), target="#company-notice")
    links.link(get_session(), ctx.link_key, contact.contact_id, contact.name, ctx.user)
    get_session().commit()
    ctx.reload_link()
    return render_body(ctx)


@bp.post("/unlink")
@require("edit")
def unlink():
    """Unlink the company, say so, and offer Undo for a few seconds (widget.contact.undo)."""
    ctx = load()
    done = None
    if ctx.problem is None:
        done = undo.unlink(get_session(), ctx.link_key, ctx.user)
        get_session().commit()
        ctx.reload_link()
    body, *rest = render_body(ctx)
    notice = undo.unlinked_notice(done, "#company-notice", url_for("company.undo_unlink"),
                                  "#company-body")  # fmt: skip
    return (body + notice, *rest)


@bp.post("/unlink/undo")
@require("edit")
def undo_unlink():
    """Undo the company's Unlink of a moment ago: the same link back, audited."""
    ctx = load()
    if ctx.problem is not None:
        return responses.notice(ctx, "company", ctx.problem.message_for(ctx.is_admin), 409)
    try:
        restored = undo.undo(get_session(), ctx.link_key, ctx.user, request.form.get("undo", ""))
    except undo.CannotUndo as refused:
        get_session().rollback()
        return responses.notice(ctx, "company", refused.message, refused.status)
    get_session().commit()
    ctx.reload_link()
    body, *rest = render_body(ctx)
    return (body + undo.restored_notice(restored, "#company-notice"), *rest)


@bp.post("/new")
@require("edit")
def create_contact():
    ctx = load()
    form = ContactForm.from_post(request.form)
    status = create_and_link(ctx, form)
    if status is not None:
        return _form(ctx, form, status)
    ctx.reload_link()
    body, *rest = render_body(ctx)
    return (body + notice_partial("#company-notice"), *rest)


# --- responses ----------------------------------------------------------------------------------


def _page(template: str):
    ctx = load()
    return responses.page(ctx, template, **_state(ctx))


def _state(ctx) -> dict:
    """What the body shows: the company's own link, its warm figures (if cached), the form."""
    warm = figures.warm_summary(ctx) if ctx.problem is None else None
    return {"link": ctx.link, "summary": warm, "form": company_form(ctx)}


def company_form(ctx) -> ContactForm:
    """Add contact, prefilled with the company (a Xero contact for an organisation)."""
    return ContactForm(name=ctx.record.get("name") or "", email=ctx.record.get("email") or "")


def _form(ctx, form: ContactForm, status: int):
    return render_template("company/add_contact_form.html", ctx=ctx, form=form), status
