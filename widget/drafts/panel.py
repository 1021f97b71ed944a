"""The drafts inside the contact panel: open a form for the linked Xero contact, and create what
it describes exactly once. Views call these; these render (fragments for #contact-draft).

Another panel may host the same forms (the deal panel, widget.deal.drafting): it passes its own
context (whose `link` says which Xero contact) and a `DraftPlace` (its URLs and targets, a fixed
default reference, what to do with a created document).

Status codes say what happened (htmx 4 swaps every answer, so the rep always sees the fragment):
200 shown or created, 422 something to correct, 409 the panel moved on (unlinked, disconnected)
or another press is still with Xero, 503/429 Xero did not answer or asks us to wait.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from flask import render_template, request, url_for

from widget.contact import clock
from widget.contact import context as contact_context
from widget.contact.deeplinks import document_url
from widget.db import get_session
from widget.drafts import settings as draft_settings
from widget.drafts.forms import NAMES, DraftForm, default_line
from widget.drafts.models import CREATED, REFUSED, UNKNOWN, DraftSubmission
from widget.drafts.reference import item_fill
from widget.drafts.service import DraftsXero
from widget.drafts.submissions import Outcome, Target, create_once
from widget.drafts.validation import check, parse_day
from widget.formatting import day_style, format_day, format_money
from widget.timezones import today_in
from widget.xero import XeroError, XeroRateLimited, XeroUnavailable

Answer = tuple[str, int] | tuple[str, int, dict]


@dataclass(frozen=True)
class DraftPlace:
    """The panel hosting the forms: where a form posts and opens again, what its answers
    replace, which summary reloads once a document is created, a fixed default reference, and
    what else the host does with a created document."""

    new_url: Callable[[str], str]
    create_url: Callable[[str], str]
    summary_url: str
    target: str = "#contact-draft"
    summary_target: str = "#contact-summary"
    reference: str | None = None
    on_created: Callable[[DraftSubmission], None] | None = None


def contact_place() -> DraftPlace:
    return DraftPlace(
        new_url=lambda kind: url_for("drafts.new", kind=kind),
        create_url=lambda kind: url_for("drafts.create", kind=kind),
        summary_url=url_for("contact.summary"),
    )


def open_form(kind: str, ctx=None, place: DraftPlace | None = None) -> Answer:
    place = place or contact_place()
    ctx, problem = _linked_context(ctx)
    if problem:
        return _problem(ctx, problem, place), 409
    xero = DraftsXero.for_workspace(ctx.workspace_id, ctx.tenant_id)
    try:
        ref = xero.reference()
    except (XeroError, TimeoutError) as exc:
        return _problem(ctx, _xero_message(ctx, exc), place, retry_kind=kind), _status(exc)
    prefs = draft_settings.load(ctx.panel.workspace)
    today = today_in(ref.organisation.timezone, clock.now())
    names = {
        "contact": ctx.link.xero_contact_name,
        "record": str(ctx.record.get("name") or ""),
        "user": ctx.user.name or "",
    }
    form = DraftForm.new(kind, ctx.link.xero_contact_id, ref, prefs, today, names)
    if place.reference:
        form.values = replace(form.values, reference=place.reference[:255])
    return _form(ctx, form, ref, place), 200


def submit(kind: str, ctx=None, place: DraftPlace | None = None) -> Answer:
    place = place or contact_place()
    ctx, problem = _linked_context(ctx)
    if problem:
        return _notice(problem, 409)
    form = DraftForm.from_post(kind, request.form)
    xero = DraftsXero.for_workspace(ctx.workspace_id, ctx.tenant_id)
    try:
        ref = xero.reference()
    except (XeroError, TimeoutError) as exc:
        return _notice(_xero_message(ctx, exc), _status(exc), _retry_after(exc))
    if form.contact_id.lower() != ctx.link.xero_contact_id.lower():
        form.general_errors.append(
            "This CRM contact is now linked to another Xero contact. Close this form and "
            "start again, so the document goes to the right contact."
        )
        return _form(ctx, form, ref, place), 409
    checked = check(form.values, ref, ctx.locale)
    if not checked.ok:
        form.take(checked)
        return _form(ctx, form, ref, place), 422
    target = Target(
        ctx.workspace_id, ctx.tenant_id, ctx.link.xero_contact_id, ctx.crm_contact_id, ctx.user
    )
    total = checked.totals().total
    outcome = create_once(
        get_session(), xero, target, kind, form.idempotency_key, form.draft(checked), total
    )
    if outcome.status == CREATED:
        ctx.xero.forget_documents(ctx.link.xero_contact_id)  # the summary shows it next
        if place.on_created is not None:
            place.on_created(outcome.submission)
        no_account = [line.index + 1 for line in checked.lines if not line.account_code]
        return _created(ctx, outcome, ref, place, no_account), 200
    if outcome.status == REFUSED:
        form.refused(outcome.refusal, [line.index for line in checked.lines])
        return _form(ctx, form, ref, place), 422
    form.general_errors.append(_pending_message(ctx, form, outcome))
    headers = _retry_after(outcome.error)
    status = _status(outcome.error) if outcome.status == UNKNOWN else 409
    return _form(ctx, form, ref, place), status, headers


# --- helpers ------------------------------------------------------------------------------------


def _linked_context(ctx=None):
    """(context, None) when the panel can raise a draft, else (context, why not)."""
    ctx = ctx if ctx is not None else contact_context.load()
    if ctx.problem is not None:
        return ctx, ctx.problem.message_for(ctx.is_admin)
    if ctx.link is None:
        return ctx, "Link this contact to a Xero contact first."
    return ctx, None


def _form(ctx, form: DraftForm, ref, place: DraftPlace) -> str:
    kind = form.kind
    prefs = draft_settings.load(ctx.panel.workspace)
    return render_template(
        "drafts/form.html",
        ctx=ctx,
        place=place,
        form=form,
        ref=ref,
        preview=form.preview(ref),
        blank_line=default_line(kind, ref, prefs),
        item_fill=item_fill,
        accounts=ref.accounts_for(kind),
        tax_rates=ref.tax_rates_for(kind),
        items=ref.items_for(kind),
        money=lambda amount, code: format_money(amount, code, ctx.locale, ref.base_currency),
        day_style=day_style(ctx.locale),
        day_text=lambda text: format_day(parse_day(text or ""), ctx.locale),
    )


def _created(ctx, outcome: Outcome, ref, place: DraftPlace, no_account=()) -> str:
    """The created message; `no_account` numbers the lines Xero needs an account on before the
    document can be approved."""
    row = outcome.submission
    amount = None
    if row.amount is not None:
        amount = format_money(Decimal(row.amount), row.currency_code or "", ctx.locale)
    return render_template(
        "drafts/created.html",
        ctx=ctx,
        place=place,
        submission=row,
        outcome=outcome,
        name=NAMES[row.kind],
        amount=amount,
        no_account=no_account,
        xero_url=document_url(row.kind, ref.organisation.short_code, row.xero_id),
    )


def _notice(message: str, status: int, headers: dict | None = None) -> Answer:
    """A press that cannot be sent: the message goes inside the form, which stays as typed."""
    headers = {"HX-Retarget": "#draft-notice", "HX-Reswap": "innerHTML", **(headers or {})}
    return render_template("drafts/notice.html", message=message), status, headers


def _problem(ctx, message: str, place: DraftPlace, *, retry_kind: str | None = None) -> str:
    """A message in place of the form; `retry_kind` offers to open that form again."""
    return render_template(
        "drafts/problem.html", ctx=ctx, place=place, message=message, retry_kind=retry_kind
    )


def _xero_message(ctx, exc: BaseException) -> str:
    if hasattr(exc, "message_for"):
        return exc.message_for(ctx.is_admin)
    if isinstance(exc, XeroRateLimited):
        seconds = f"{exc.retry_after} second{'s' if exc.retry_after != 1 else ''}"
        return f"Xero asks us to wait {seconds}. Try again then."
    return "Xero could not be reached. Try again in a moment."


def _pending_message(ctx, form: DraftForm, outcome: Outcome) -> str:
    name = form.name
    if outcome.status != UNKNOWN:
        return (
            f"This {name} is still being created in Xero (it was sent a moment ago). "
            "Press Create again to see it: it will not be created twice."
        )
    exc = outcome.error
    if isinstance(exc, XeroRateLimited) or hasattr(exc, "message_for"):
        return _xero_message(ctx, exc) + f" Nothing new is created: this {name} is sent once."
    return (
        f"Xero did not confirm the {name}, so it may or may not have been created. Press "
        f"Create again: if Xero created it you will see it, and it will not be created twice."
    )


def _status(exc: BaseException | None) -> int:
    if isinstance(exc, XeroRateLimited):
        return 429
    if isinstance(exc, XeroUnavailable | TimeoutError):
        return 503
    return 409 if hasattr(exc, "message_for") else 503


def _retry_after(exc: BaseException | None) -> dict:
    if isinstance(exc, XeroRateLimited):
        return {"Retry-After": str(exc.retry_after)}
    return {}
