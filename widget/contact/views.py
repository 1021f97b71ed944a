"""Routes of the contact panel: the launched page (full or quick view) and its htmx fragments.

Reading needs `view`; linking, unlinking and creating need `edit` (hidden from view-only users in
the templates, and refused here by the decorator). Fragments answer the element that asked; a
state change (link, unlink, create) answers with the whole panel body.
"""

import re
import secrets

from flask import Blueprint, g, render_template, request, url_for

from widget.auth.access import require
from widget.auth.sessions import SESSION_HEADER
from widget.contact import context, links, listing, mirrored, undo
from widget.contact import panel as states
from widget.contact.creating import create_and_link, notice_partial
from widget.contact.forms import ContactForm
from widget.contact.service import rendered_fragments
from widget.db import get_session
from widget.xero import XeroError, XeroNotFound
from widget.xero.filters import guid

bp = Blueprint("contact", __name__, url_prefix="/contact")

MIN_SEARCH_LENGTH = 2


@bp.get("")
@require("view", launch="contact")
def panel():
    quick = request.args.get("view") == "quick"
    return _page(context.load(), "contact/quick.html" if quick else "contact/panel.html")


@bp.get("/quick")
@require("view", launch="contact")
def quick_page():
    return _page(context.load(), "contact/quick.html")


@bp.get("/summary")
@require("view")
def summary():
    ctx = context.load()
    if ctx.link is None:
        return _body(ctx, retarget=True)
    quick = request.args.get("view") == "quick"
    outcome = states.summary(ctx, ctx.link, refresh=request.args.get("refresh") == "1")
    if outcome.summary is None:
        retry = url_for("contact.summary", view="quick" if quick else None)
        return _error(ctx, outcome.error, retry=(retry, "#contact-summary"), menu=not quick)
    template = "contact/quick_summary.html" if quick else "contact/summary.html"
    return render_template(template, ctx=ctx, summary=outcome.summary)


@bp.get("/details")
@require("view")
def details():
    ctx = context.load()
    if ctx.link is None:
        return _body(ctx, retarget=True)
    outcome = states.summary(ctx, ctx.link)
    if outcome.summary is None:
        return _error(ctx, outcome.error, retry=(url_for("contact.details"), "#contact-details"))
    return render_template("contact/details.html", ctx=ctx, summary=outcome.summary)


@bp.get("/documents")
@require("view")
def documents():
    """All the linked contact's documents, a page at a time (from the mirror only)."""
    ctx = context.load()
    if ctx.link is None:
        return _body(ctx, retarget=True)
    org = ctx.xero.cached_organisation()
    if ctx.mirror is None or org is None:
        return _notice(ctx, "The full list is available once Xero has been read.", 409)
    found = listing.listing(ctx, [ctx.link.xero_contact_id], request.args, org.value)
    template = "contact/documents.html" if found.page == 1 else "contact/_document_rows.html"
    return render_template(template, ctx=ctx, listing=found, url=url_for("contact.documents"))


@bp.get("/suggestions")
@require("view")
def suggestions():
    ctx = context.load()
    if ctx.problem is not None:
        return _error(ctx, states.failure(ctx, ctx.problem, log_it=False))
    if ctx.mirror is not None:
        found = mirrored.suggestions(ctx, ctx.crm_contact)
        return render_template("contact/suggestions.html", ctx=ctx, suggestions=found)
    try:
        fetched = ctx.xero.suggestions(ctx.crm_contact)
    except (XeroError, TimeoutError) as exc:
        retry = (url_for("contact.suggestions"), "#contact-suggestions")
        return _error(ctx, states.failure(ctx, exc), retry=retry)
    return render_template("contact/suggestions.html", ctx=ctx, suggestions=fetched.value)


@bp.get("/search")
@require("view")
def search():
    ctx = context.load()
    term = " ".join(request.args.get("q", "").split())
    if ctx.problem is not None:
        return _error(ctx, states.failure(ctx, ctx.problem, log_it=False))
    if len(term) < MIN_SEARCH_LENGTH:
        return render_template("contact/search_results.html", ctx=ctx, term=term, results=None)
    try:
        found = mirrored.find_contacts(ctx, term)
    except (XeroError, TimeoutError) as exc:
        return _error(ctx, states.failure(ctx, exc))
    return render_template("contact/search_results.html", ctx=ctx, term=term, results=found)


@bp.post("/link")
@require("edit")
def link():
    ctx = context.load()
    try:
        contact_id = guid(request.form.get("xero_contact_id", ""))
    except ValueError:
        return _notice(ctx, "Choose a Xero contact to link.", 400)
    if ctx.problem is not None:
        return _notice(ctx, ctx.problem.message_for(ctx.is_admin), 409)
    try:
        contact = mirrored.find_contact(ctx, contact_id)
    except XeroNotFound:
        return _notice(ctx, "That Xero contact no longer exists. Search again.", 404)
    except (XeroError, TimeoutError) as exc:
        return _error(ctx, states.failure(ctx, exc), target="#contact-notice")
    links.link(get_session(), ctx.link_key, contact.contact_id, contact.name, ctx.user)
    get_session().commit()
    return _body(ctx)


@bp.post("/unlink")
@require("edit")
def unlink():
    """Unlink, say so, and offer Undo for a few seconds (widget.contact.undo)."""
    ctx = context.load()
    done = None
    if ctx.problem is None:
        done = undo.unlink(get_session(), ctx.link_key, ctx.user)
        get_session().commit()
    body, code, headers = _body(ctx)
    notice = undo.unlinked_notice(done, "#contact-notice", url_for("contact.undo_unlink"),
                                  "#contact-body")  # fmt: skip
    return body + notice, code, headers


@bp.post("/unlink/undo")
@require("edit")
def undo_unlink():
    """Undo an Unlink of a moment ago: the same link back, audited (link.restore)."""
    ctx = context.load()
    if ctx.problem is not None:
        return _notice(ctx, ctx.problem.message_for(ctx.is_admin), 409)
    try:
        restored = undo.undo(get_session(), ctx.link_key, ctx.user, request.form.get("undo", ""))
    except undo.CannotUndo as refused:
        get_session().rollback()
        return _notice(ctx, refused.message, refused.status)
    get_session().commit()
    body, code, headers = _body(ctx, retarget=True)
    return body + undo.restored_notice(restored, "#contact-notice"), code, headers


@bp.post("/new")
@require("edit")
def create_contact():
    ctx = context.load()
    form = ContactForm.from_post(request.form)
    status = create_and_link(ctx, form)
    if status is not None:
        return _form(ctx, form, status)
    body, code, headers = _body(ctx, retarget=True)
    return body + notice_partial("#contact-notice"), code, headers


# --- responses ----------------------------------------------------------------------------------


def _page(ctx, template: str):
    link = ctx.link
    fragment = "contact/quick_summary.html" if template == "contact/quick.html" else None
    warm = _warm(ctx, link, fragment or "contact/summary.html")

    def render() -> str:
        form = ContactForm.from_record(ctx.record)  # its idempotency key is new per render
        return render_template(
            template, ctx=ctx, link=link, summary_html=warm, form=form, lang=ctx.lang
        )

    if warm is None:
        return render()
    # a warm linked page holds no form: the same record and figures give the same page, but for
    # its session token, put in afterwards (so a launch, with its new token, reuses the page)
    record = (ctx.record.get("name"), ctx.record.get("email"))
    key = ("page", template, record, ctx.lang, link.xero_contact_id, link.xero_contact_name, warm)
    page = rendered_fragments().get_or_render(key, lambda: _with_placeholder_token(render))
    return page.replace(TOKEN_PLACEHOLDER, g.get("widget_session_token") or _header_token())


#: stands for the session token in a memoised page (random: no page can contain it by chance)
TOKEN_PLACEHOLDER = f"session-token-{secrets.token_hex(16)}"


def _with_placeholder_token(render) -> str:
    saved = g.get("widget_session_token")
    g.widget_session_token = TOKEN_PLACEHOLDER
    try:
        return render()
    finally:
        g.widget_session_token = saved


def _header_token() -> str:
    """The token a reload came with: session tokens are URL-safe base64, inert in HTML."""
    token = request.headers.get(SESSION_HEADER, "")
    return token if _PLAIN_TOKEN.fullmatch(token) else ""


_PLAIN_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,128}")


def _body(ctx, *, retarget: bool = False):
    """The whole panel body for the current state (after a change, or when it moved on)."""
    link = ctx.reload_link()
    warm = _warm(ctx, link, "contact/summary.html")
    body = render_template(
        "contact/body.html",
        ctx=ctx,
        link=link,
        summary_html=warm,
        form=ContactForm.from_record(ctx.record),
    )
    headers = {"HX-Retarget": "#contact-body", "HX-Reswap": "innerHTML"} if retarget else {}
    return body, 200, headers


def _warm(ctx, link, template: str):
    return states.warm_summary_html(ctx, link, template) if link is not None else None


def _error(ctx, error, *, retry=None, target: str | None = None, menu: bool = False):
    """Error fetching details; `retry` is (url, target) for the Retry button, `menu` keeps the
    actions menu (Unlink works whatever Xero's state)."""
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after else {}
    if target:
        headers |= {"HX-Retarget": target, "HX-Reswap": "innerHTML"}
    retry_url, retry_target = retry or (None, None)
    page = render_template(
        "contact/error.html",
        ctx=ctx,
        error=error,
        retry_url=retry_url,
        retry_target=retry_target,
        menu=menu,
    )
    return page, 503 if error.can_retry else 200, headers


def _notice(ctx, message: str, status: int):
    """A message about an action, shown above the panel body (the body stays as it was)."""
    headers = {"HX-Retarget": "#contact-notice", "HX-Reswap": "innerHTML"}
    return render_template("contact/notice.html", ctx=ctx, message=message), status, headers


def _form(ctx, form: ContactForm, status: int):
    return render_template("contact/add_contact_form.html", ctx=ctx, form=form), status
