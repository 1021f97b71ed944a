"""How company and deal panel views answer: the page, the body after a change, errors and notices.

Shared by both panels (`prefix` names the panel: "company" or "deal", used for element ids and
template folders), so a view is only the decision of what to show.
"""

from __future__ import annotations

from flask import render_template

from widget.contact import present


def body(ctx, prefix: str, *, retarget: bool = True, **values):
    """The whole panel body for the current state (after a change, or when it moved on)."""
    html = render_template(f"{prefix}/body.html", ctx=ctx, **values)
    headers = {"HX-Retarget": f"#{prefix}-body", "HX-Reswap": "innerHTML"} if retarget else {}
    return html, 200, headers


def page(ctx, template: str, **values):
    return render_template(template, ctx=ctx, lang=ctx.lang, **values)


def error(ctx, failure: present.ErrorView, *, retry=None, target: str | None = None):
    """Error fetching details, with Retry (`retry` is (url, target)); after a 429 the fragment
    tries again by itself once Xero's wait is over."""
    headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
    if target:
        headers |= {"HX-Retarget": target, "HX-Reswap": "innerHTML"}
    retry_url, retry_target = retry or (None, None)
    html = render_template(
        "contact/error.html",
        ctx=ctx,
        error=failure,
        retry_url=retry_url,
        retry_target=retry_target,
        menu=False,
    )
    return html, 503 if failure.can_retry else 200, headers


def notice(ctx, prefix: str, message: str, status: int):
    """A message about an action, shown above the panel body (the body stays as it was)."""
    headers = {"HX-Retarget": f"#{prefix}-notice", "HX-Reswap": "innerHTML"}
    return render_template("contact/notice.html", ctx=ctx, message=message), status, headers
