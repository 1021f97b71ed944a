"""Add quote / Add invoice from the deal panel: the drafts' own forms (widget.drafts, the same
checks, exactly-once creation and audit), hosted by the deal panel.

The document goes to the Xero contact of the deal's primary contact (or, while the primary is
not linked, of its first linked participant), with the deal's name as the default reference.
Whatever is created is added to the deal at once (a pick with source "created"), including a
document that an earlier, unanswered press turns out to have created.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from widget.db import get_session
from widget.deal import context
from widget.deal import picks as picking
from widget.deal.context import DealContext
from widget.drafts.panel import DraftPlace

KINDS = ("quote", "invoice")


@dataclass(frozen=True)
class DraftContact:
    """Who a deal's draft is for, shaped like a link (what the drafts' forms read)."""

    xero_contact_id: str
    xero_contact_name: str


def load() -> DealContext:
    """The deal's context, its `link` standing for the Xero contact the drafts go to."""
    ctx = context.load()
    person = ctx.primary if ctx.primary is not None and ctx.primary.linked else None
    person = person or next((p for p in ctx.people if p.linked), None)
    if person is not None:
        name = person.xero_contact_name or person.name
        ctx.stored_link = DraftContact(person.xero_contact_id, name)
    return ctx


def place(ctx: DealContext) -> DraftPlace:
    return DraftPlace(
        new_url=lambda kind: url_for("deal.draft_form", kind=kind),
        create_url=lambda kind: url_for("deal.create_draft", kind=kind),
        target="#deal-draft",
        summary_url=url_for("deal.summary"),
        summary_target="#deal-summary",
        reference=ctx.deal_name or None,
        on_created=lambda submission: _add_to_deal(ctx, submission),
    )


def _add_to_deal(ctx: DealContext, submission) -> None:
    db = get_session()
    picking.add(
        db,
        ctx.deal_key,
        submission.kind,
        submission.xero_id,
        xero_contact_id=submission.xero_contact_id,
        number=submission.number or "",
        user=ctx.user,
        source="created",
    )
    db.commit()
