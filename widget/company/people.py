"""Linking a company's or deal's people in place: the same suggestions, search and link as in
each person's own contact panel, without leaving this panel.

Registered on both blueprints (`register`). The person is named by the CRM id the browser sends
back, and must be one the launch token lists: a session opened for one company can never link
another company's people. A change answers with the whole panel body: the figures now cover
another set of Xero contacts.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, render_template, request, url_for

from widget.auth.access import require
from widget.company import responses
from widget.contact import links, mirrored, undo
from widget.contact import panel as states
from widget.db import get_session
from widget.xero import XeroError, XeroNotFound
from widget.xero.filters import guid

MIN_SEARCH_LENGTH = 2


def register(bp: Blueprint, load: Callable, render_body: Callable) -> None:
    """Add /people/… routes to a panel's blueprint; `render_body(ctx)` answers after a change."""
    name = bp.name

    @bp.get("/people/choices")
    @require("view")
    def person_choices():
        ctx, person = _person(load(), request.args)
        if person is None:
            return responses.notice(ctx, name, "That person is not on this record.", 404)
        if ctx.problem is not None:
            return responses.error(ctx, states.failure(ctx, ctx.problem, log_it=False))
        try:
            found = mirrored.find_suggestions(ctx, person.crm_contact(ctx.company_name))
        except (XeroError, TimeoutError) as exc:
            retry = url_for(f"{name}.person_choices", crm_contact_id=person.crm_id)
            return responses.error(ctx, states.failure(ctx, exc), retry=(retry, _box(person)))
        return render_template(
            "company/person_choices.html", ctx=ctx, person=person, suggestions=found, panel=name
        )

    @bp.get("/people/search")
    @require("view")
    def person_search():
        ctx, person = _person(load(), request.args)
        term = " ".join(request.args.get("q", "").split())
        if person is None or ctx.problem is not None or len(term) < MIN_SEARCH_LENGTH:
            results = None
        else:
            try:
                results = mirrored.find_contacts(ctx, term)
            except (XeroError, TimeoutError) as exc:
                return responses.error(ctx, states.failure(ctx, exc))
        return render_template(
            "company/person_results.html", ctx=ctx, person=person, term=term, results=results,
            panel=name,
        )  # fmt: skip

    @bp.post("/people/link")
    @require("edit")
    def person_link():
        ctx, person = _person(load(), request.form)
        if person is None:
            return responses.notice(ctx, name, "That person is not on this record.", 404)
        try:
            contact_id = guid(request.form.get("xero_contact_id", ""))
        except ValueError:
            return responses.notice(ctx, name, "Choose a Xero contact to link.", 400)
        if ctx.problem is not None:
            return responses.notice(ctx, name, ctx.problem.message_for(ctx.is_admin), 409)
        try:
            contact = mirrored.find_contact(ctx, contact_id)
        except XeroNotFound:
            return responses.notice(ctx, name, "That Xero contact no longer exists.", 404)
        except (XeroError, TimeoutError) as exc:
            return responses.error(ctx, states.failure(ctx, exc), target=f"#{name}-notice")
        links.link(get_session(), _key(ctx, person), contact.contact_id, contact.name, ctx.user)
        get_session().commit()
        ctx.forget_people()
        return render_body(ctx)

    @bp.post("/people/unlink")
    @require("edit")
    def person_unlink():
        ctx, person = _person(load(), request.form)
        if person is None:
            return responses.notice(ctx, name, "That person is not on this record.", 404)
        done = None
        if ctx.problem is None:
            done = undo.unlink(get_session(), _key(ctx, person), ctx.user)
            get_session().commit()
            ctx.forget_people()
        body, *rest = render_body(ctx)
        action = url_for(f"{name}.person_undo_unlink", crm_contact_id=person.crm_id)
        notice = undo.unlinked_notice(done, f"#{name}-notice", action, f"#{name}-body")
        return (body + notice, *rest)

    @bp.post("/people/unlink/undo")
    @require("edit")
    def person_undo_unlink():
        """Undo a person's Unlink of a moment ago (widget.contact.undo): the same link back."""
        ctx, person = _person(load(), request.args)
        if person is None:
            return responses.notice(ctx, name, "That person is not on this record.", 404)
        if ctx.problem is not None:
            return responses.notice(ctx, name, ctx.problem.message_for(ctx.is_admin), 409)
        try:
            restored = undo.undo(get_session(), _key(ctx, person), ctx.user,
                                 request.form.get("undo", ""))  # fmt: skip
        except undo.CannotUndo as refused:
            get_session().rollback()
            return responses.notice(ctx, name, refused.message, refused.status)
        get_session().commit()
        ctx.forget_people()
        body, *rest = render_body(ctx)
        return (body + undo.restored_notice(restored, f"#{name}-notice"), *rest)


def _person(ctx, values):
    return ctx, ctx.person(str(values.get("crm_contact_id", "")))


def _key(ctx, person) -> links.LinkKey:
    return links.LinkKey(ctx.workspace_id, ctx.tenant_id, person.crm_id, crm_name=person.name)


def _box(person) -> str:
    return f"#person-choices-{person.slot}"
