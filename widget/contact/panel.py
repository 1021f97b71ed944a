"""The panel's states, assembled from links, the cached Xero reads and the reader's locale.

Views call these and render the result (a warm summary comes back rendered: it is memoised as
HTML). Xero failures come back as an ErrorView (with the last known figures when there are any),
never as an exception the view has to know about.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from flask import render_template
from markupsafe import Markup

from widget.cache import Fetched
from widget.connection.errors import ConnectionProblem
from widget.connection.service import report_needs_reauthorisation
from widget.contact import clock, links, mirrored, present, refreshing
from widget.contact.context import PanelContext
from widget.contact.models import ContactLink
from widget.contact.service import rendered_fragments
from widget.db import get_session
from widget.mirror import read
from widget.timezones import today_in
from widget.xero import XeroError, XeroNeedsReauthorisation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SummaryOutcome:
    """A summary to show (possibly last-known, marked stale), or an error with nothing to show."""

    summary: present.SummaryView | None
    error: present.ErrorView | None


def warm_summary_html(ctx: PanelContext, link: ContactLink, template: str) -> Markup | None:
    """The rendered summary without calling Xero, or None when anything is cold: from the mirror
    when it is ready (the organisation's profile cached), else from fresh cached values only,
    rendered once per state of the cache, the organisation's day and the reader."""
    org = ctx.xero.cached_organisation()
    mirror = org is not None and ctx.mirror is not None
    entry = None if mirror else ctx.xero.cached_documents(link.xero_contact_id, ctx.open_statuses)
    if org is None or (entry is None and not mirror):
        return None
    today = today_in(org.value.timezone, clock.now())
    source = ("mirror", *mirrored.render_key(ctx)) if mirror else (entry.fetched_at,)
    key = (
        *(ctx.workspace_id, ctx.tenant_id, link.xero_contact_id, link.xero_contact_name),
        *(org.fetched_at, *source, today, str(ctx.locale), ctx.can_edit, template),
        tuple(sorted(ctx.open_statuses)),
    )

    def render() -> str:
        if mirror:
            return render_template(template, ctx=ctx, summary=_mirror_view(ctx, link, org.value))
        fetched = Fetched(entry.value, entry.fetched_at, from_cache=True)
        view = _view(ctx, link, org.value, fetched)
        return render_template(template, ctx=ctx, summary=view)

    # Jinja's own autoescaped output, kept as rendered: marking it safe escapes nothing twice
    return Markup(rendered_fragments().get_or_render(key, render))  # noqa: S704


def summary(ctx: PanelContext, link: ContactLink, *, refresh: bool = False) -> SummaryOutcome:
    """The summary: from the mirror once it is ready (Refresh syncs the organisation), else
    fetched per contact (Refresh: the figures afresh). Refresh is bounded per user and
    workspace (`refreshing`): pressed too often, it shows the figures at hand and says so."""
    refresh, notice = claim_refresh(ctx, refresh)
    try:
        org = ctx.xero.organisation().value
        if ctx.mirror is not None:
            return SummaryOutcome(_mirror_view(ctx, link, org, refresh, notice), None)
        fetched = ctx.xero.documents(
            link.xero_contact_id, refresh=refresh, open_statuses=ctx.open_statuses
        )
    except (XeroError, TimeoutError) as exc:
        return SummaryOutcome(None, failure(ctx, exc))
    view = replace(_view(ctx, link, org, fetched), notice=notice)
    if fetched.stale:
        _log(ctx, fetched.error)
        view = _with_error(view, failure(ctx, fetched.error, log_it=False))
    return SummaryOutcome(view, view.error)


def claim_refresh(ctx, refresh: bool) -> tuple[bool, str | None]:
    """Whether this Refresh may go ahead (per user and workspace), and what to say if not."""
    if not refresh:
        return False, None
    wait = refreshing.claim(ctx.xero.cache, ctx.workspace_id, str(ctx.user.id))
    if wait:
        return False, f"Refreshed moments ago: Refresh again in {wait} s."
    return True, None


def refreshed_at(ctx, refresh: bool, notice: str | None) -> tuple:
    """From the mirror: (as of when, what to say); Refresh syncs the organisation first."""
    if not refresh:
        return ctx.mirror.synced_at, notice
    note = mirrored.refresh(ctx)
    return note.synced_at or ctx.mirror.synced_at, note.message or notice


def _mirror_view(
    ctx: PanelContext, link: ContactLink, org, refresh: bool = False, notice: str | None = None
) -> present.SummaryView:
    """The figures from the mirror (0 Xero calls), as of its last sync. A linked contact Xero
    merged into another shows the survivor's figures, and the rep is told."""
    synced_at, notice = refreshed_at(ctx, refresh, notice)
    contact_id, name = link.xero_contact_id, link.xero_contact_name
    survivor = read.survivor(get_session(), mirrored.scope(ctx), contact_id)
    if survivor is not None:  # merged, and the sync has not moved the link yet
        notice = f"{name} was merged into {survivor.name} in Xero: these are {survivor.name}'s."
        contact_id, name = survivor.contact_id, survivor.name
    notice = mirrored.merge_note(ctx, link.record_type) or notice
    fetched = mirrored.documents(ctx, [contact_id], synced_at)
    view = present.summary_view(
        contact_id,
        name,
        org,
        fetched,
        locale=ctx.locale,
        now=clock.now(),
        open_statuses=ctx.open_statuses,
        age_seconds=max(0.0, clock.now().timestamp() - fetched.fetched_at),
        from_mirror=True,
        paid_history=mirrored.paid_history(ctx, [contact_id]),
    )
    return replace(view, notice=notice)


def failure(ctx: PanelContext, exc: BaseException | None, *, log_it: bool = True):
    """What to show for a failed Xero call; a 403 from Xero marks the connection for admins."""
    if log_it:
        _log(ctx, exc)
    if isinstance(exc, XeroNeedsReauthorisation) and not isinstance(exc, ConnectionProblem):
        report_needs_reauthorisation(ctx.workspace_id, "Xero refused the panel's call (403)")
    return present.error_view(exc, ctx.is_admin)


def _view(ctx, link: ContactLink, org, fetched: Fetched) -> present.SummaryView:
    cache = ctx.xero.cache
    view = present.summary_view(
        link.xero_contact_id,
        link.xero_contact_name,
        org,
        fetched,
        locale=ctx.locale,
        now=clock.now(),
        open_statuses=ctx.open_statuses,
        age_seconds=fetched.age(cache.now()),
    )
    if view.contact_name and view.contact_name != link.xero_contact_name:
        links.rename(get_session(), link, view.contact_name)  # Xero's name changed: keep up
        get_session().commit()
    return view


def _with_error(view: present.SummaryView, error: present.ErrorView) -> present.SummaryView:
    return replace(view, error=error)


def _log(ctx: PanelContext, exc: BaseException | None) -> None:
    log.warning(
        "contact panel: Xero fetch failed",
        extra={
            "fields": {
                "workspace_id": ctx.workspace_id,
                "xero_tenant": ctx.tenant_id,
                "error": type(exc).__name__,
                "status": getattr(exc, "status", None),
            }
        },
    )
