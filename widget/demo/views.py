"""The demo CRM (blueprint `demo`): plays a CRM that embeds our panels, for trying the product.

Public on purpose and only mounted with the sandbox (see widget/demo/__init__.py): anyone who can
open it can act as the demo workspace's admin.
"""

from flask import Blueprint, abort, redirect, render_template, request, url_for

from widget.auth.access import public
from widget.auth.origins import InvalidOrigin
from widget.db import get_session
from widget.demo.crm import USERS, CrmUser, find_user
from widget.demo.embed import panel_url, widget_base_url
from widget.demo.records import ADMIN_RECORD, directory

bp = Blueprint("demo", __name__)


def _acting_user() -> CrmUser:
    user = find_user(request.args.get("user"))
    if user is None:
        abort(400, "There is no such demo CRM user: pick one from the list on the demo CRM page.")
    return user


def _render(
    template: str,
    panel: str | None = None,
    record: dict | None = None,
    quick: bool = False,
    **context,
):
    """A demo CRM page acting as the chosen user, with the panel for `record` beside it (its
    quick view when `quick`, as a CRM's side view or preview shows it)."""
    user = _acting_user()
    crm_origin = request.host_url.rstrip("/")
    src = None
    if panel is not None:
        try:
            src = panel_url(get_session(), crm_origin, panel, user, record or ADMIN_RECORD)
        except InvalidOrigin as exc:
            abort(400, f"Open the demo CRM on localhost or over https:// ({exc}).")
        if quick:
            src += "&view=quick"
    return render_template(
        template,
        user=user,
        users=USERS,
        crm=directory(),
        panel=panel,
        panel_src=src,
        quick=quick,
        widget_origin=widget_base_url(crm_origin),
        **context,
    )


@bp.get("/")
@public
def root():
    return redirect(url_for("demo.home"))


@bp.get("/demo-crm/")
@public
def home():
    """The lists; `?quick=person:ID` (company:, deal:) opens that record's quick view beside
    them, as a CRM's list preview does."""
    kind, _, record_id = request.args.get("quick", "").partition(":")
    if not kind:
        return _render("demo/home.html")
    found = quick_record(kind, record_id) or abort(404, "No such record in the demo CRM.")
    panel, record, name = found
    return _render("demo/home.html", panel, record, quick=True, quick_name=name)


def quick_record(kind: str, record_id: str) -> tuple[str, dict, str] | None:
    """(panel, record claim, name) for a record of the demo CRM; None when there is none."""
    crm = directory()
    if kind == "person" and (person := crm.person(record_id)):
        return "contact", crm.contact_record(person), person.name
    if kind == "company" and (company := crm.company(record_id)):
        return "company", crm.company_record(company), company.name
    if kind == "deal" and (deal := crm.deal(record_id)):
        return "deal", crm.deal_record(deal), deal.name
    return None


def _quick() -> bool:
    return request.args.get("view") == "quick"


@bp.get("/demo-crm/people/<person_id>")
@public
def person(person_id: str):
    crm = directory()
    found = crm.person(person_id) or abort(404, "No such person in the demo CRM.")
    record = crm.contact_record(found)
    return _render("demo/person.html", "contact", record, _quick(), person=found)


@bp.get("/demo-crm/companies/<company_id>")
@public
def company(company_id: str):
    crm = directory()
    found = crm.company(company_id) or abort(404, "No such company in the demo CRM.")
    record = crm.company_record(found)
    return _render("demo/company.html", "company", record, _quick(), company=found)


@bp.get("/demo-crm/deals/<deal_id>")
@public
def deal(deal_id: str):
    crm = directory()
    found = crm.deal(deal_id) or abort(404, "No such deal in the demo CRM.")
    return _render("demo/deal.html", "deal", crm.deal_record(found), _quick(), deal=found)


@bp.get("/demo-crm/admin")
@public
def admin():
    return _render("demo/admin.html", "admin")
