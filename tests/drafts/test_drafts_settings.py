"""The admin's defaults for new drafts: what may be stored, the admin page section (admins only,
checked against the connected organisation, audited, kept as typed when wrong), forms starting
from them, and "accepted quotes count as open" reaching the contact summary."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.connection.support import launch
from tests.contact.support import NZ, Figures, link_panel, stored
from tests.drafts.reference_data import make_reference
from tests.drafts.support import FormReader, linked, new_form
from widget.auth.models import AuditEntry, Workspace
from widget.drafts import settings
from widget.drafts.settings import DEFAULTS, DraftSettings, parse, render_reference

REF = make_reference()


def test_nothing_stored_means_the_defaults():
    assert parse({}) == (DEFAULTS, {})
    assert settings.load(Workspace(settings={"drafts": "junk", "other": 1})) == DEFAULTS
    stored_junk = {"drafts": {"invoice_due_days": "-3", "line_amount_types": "x"}}
    assert settings.load(Workspace(settings=stored_junk)) == DEFAULTS


def test_a_complete_form_is_parsed():
    form = {
        "sales_account": "200",
        "purchase_account": "400",
        "sales_tax_type": "OUTPUT2",
        "purchase_tax_type": "INPUT2",
        "line_amount_types": "inclusive",
        "invoice_due_days": "7",
        "bill_due_days": "45",
        "quote_expiry_days": "0",
        "reference_template": " {kind} for {contact} ",
        "open_quotes_include_accepted": "1",
    }
    assert parse(form, REF) == (
        DraftSettings(
            "200", "400", "OUTPUT2", "INPUT2", "Inclusive", 7, 45, 0, "{kind} for {contact}", True
        ),  # fmt: skip
        {},
    )


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("invoice_due_days", "-1", "Enter a whole number of days from 0 to 365."),
        ("bill_due_days", "366", "Enter a whole number of days from 0 to 365."),
        ("quote_expiry_days", "1.5", "Enter a whole number of days from 0 to 365."),
        ("line_amount_types", "Gross", "Choose exclusive, inclusive or no tax."),
        ("sales_account", "12345678901", "Account codes are at most 10 characters."),
        ("sales_tax_type", "output2<", "Choose a tax rate from the list."),
        ("reference_template", "{foo}", "Use only {contact}, {record}, {user}, {date}, {kind}."),
        ("reference_template", "{contact.__class__}", "Use only"),
        ("reference_template", "{contact!r}", "Use only"),
        ("reference_template", "{contact:>300}", "Use only"),
        ("reference_template", "open {", "Braces must come in pairs"),
        ("reference_template", "x" * 256, "Use at most 255 characters."),
    ],
)
def test_each_wrong_value_is_named_and_not_kept(field, typed, message):
    parsed, errors = parse({field: typed})
    assert errors[field].startswith(message) and list(errors) == [field]
    assert getattr(parsed, field) == getattr(DEFAULTS, field)


@pytest.mark.parametrize(
    ("field", "code"),
    [
        ("sales_account", "300"),  # a purchase account
        ("sales_account", "220"),  # archived
        ("purchase_account", "200"),
        ("sales_tax_type", "INPUT2"),
        ("purchase_tax_type", "OUTPUT"),  # deleted
    ],
)
def test_with_the_organisation_codes_must_suit_their_use(field, code):
    assert field in parse({field: code}, REF)[1]
    assert parse({field: code})[1] == {}  # without a connection: stored as the admin's wish


def test_the_reference_template_is_filled_in():
    filled = render_reference(
        "{kind} for {contact} ({record}), {date} by {user} {{literal}}",
        contact="Acme Ltd",
        record="Ann Smith",
        user="Rita",
        day=date(2026, 11, 22),
        kind="quote",
    )
    assert filled == "quote for Acme Ltd (Ann Smith), 2026-11-22 by Rita {literal}"
    assert render_reference("", contact="a", record="b", user="c", day=date.today(), kind="x") == ""


# --- over HTTP ----------------------------------------------------------------------------------


@pytest.fixture
def workspace(server):
    """A workspace of its own: these tests change its settings."""
    return server.connected_workspace(NZ)


def _settings_of(server, workspace_id: str) -> dict:
    with server.app.extensions["db_sessionmaker"]() as session:
        return session.get(Workspace, workspace_id).settings or {}


def _changes(server, workspace_id: str) -> list[AuditEntry]:
    with server.app.extensions["db_sessionmaker"]() as session:
        return list(
            session.scalars(
                select(AuditEntry).where(
                    AuditEntry.workspace_id == workspace_id,
                    AuditEntry.action == "settings.change",
                )
            )
        )


def _post(admin, server, data: dict):
    return admin.post(f"{server.url}/drafts/defaults", data=data, timeout=10)


GOOD = {
    "sales_account": "205",
    "sales_tax_type": "ZERORATED",
    "purchase_account": "400",
    "purchase_tax_type": "INPUT2",
    "line_amount_types": "Inclusive",
    "invoice_due_days": "7",
    "bill_due_days": "45",
    "quote_expiry_days": "10",
    "reference_template": "{kind} for {contact}",
    "open_quotes_include_accepted": "1",
}


def test_admins_save_the_defaults_and_every_change_is_audited(server, workspace):
    admin = launch(server, workspace)
    page = admin.get(f"{server.url}/admin", timeout=10)
    section = admin.get(f"{server.url}/drafts/defaults", timeout=10)
    assert section.status_code == 200
    options = FormReader(section.text).options
    assert options["sales_account"] == ["", "200", "205", "260", "270"]  # from the organisation
    assert (
        "INPUT2" in options["purchase_tax_type"] and "OUTPUT2" not in options["purchase_tax_type"]
    )

    # an empty choice says what it does (issue 11: not "The organisation's first")
    assert "No default: the first account in the list" in section.text
    assert "No default: the account&#39;s own rate" in section.text
    assert "The organisation&#39;s first" not in section.text

    saved = _post(admin, server, GOOD)
    assert saved.status_code == 200 and "Saved." in saved.text
    # the outcome sits beside Save defaults, where the admin is looking, not out of view above
    actions = saved.text.split('<div class="form-actions">')[1].split("</div>")[0]
    assert "Save defaults" in actions and '<p class="saved" role="status">Saved.</p>' in actions
    stored_settings = _settings_of(server, workspace.id)
    assert stored_settings["open_quotes_include_accepted"] is True  # where the summary reads it
    assert stored_settings["drafts"]["invoice_due_days"] == 7
    (entry,) = _changes(server, workspace.id)
    assert entry.actor == "Ada Admin"
    assert entry.details["changed"]["invoice_due_days"] == [14, 7]
    assert entry.details["changed"]["open_quotes_include_accepted"] == [False, True]

    again = _post(admin, server, GOOD)
    assert "No changes to save." in again.text and len(_changes(server, workspace.id)) == 1
    shown = admin.get(f"{server.url}/admin/audit", timeout=10).text
    assert "Ada Admin changed draft defaults: bill due days 30 → 45" in shown  # a sentence
    assert page.status_code == 200 and 'hx-get="/drafts/defaults"' in page.text


def test_wrong_defaults_come_back_as_typed_and_nothing_is_saved(server, workspace):
    admin = launch(server, workspace)
    wrong = {**GOOD, "sales_account": "300", "invoice_due_days": "soon"}
    answer = _post(admin, server, wrong)
    assert answer.status_code == 422
    reader = FormReader(answer.text)
    assert set(reader.invalid) == {"sales_account", "invoice_due_days"}
    assert ("invoice_due_days", "soon") in reader.pairs
    assert ("reference_template", "{kind} for {contact}") in reader.pairs
    assert "Choose an active account of this organisation from the list." in answer.text
    assert _settings_of(server, workspace.id).get("drafts") is None
    assert _changes(server, workspace.id) == []


def test_only_admins_see_or_change_the_defaults(server, workspace):
    member = launch(server, workspace, admin=False, user_id="member-1")
    assert member.get(f"{server.url}/drafts/defaults", timeout=10).status_code == 403
    assert _post(member, server, GOOD).status_code == 403
    assert _settings_of(server, workspace.id).get("drafts") is None


def test_new_forms_start_from_the_defaults(server, workspace):
    assert _post(launch(server, workspace), server, GOOD).status_code == 200
    panel, contact = linked(server, workspace, NZ, index=30)
    invoice = new_form(panel, "invoice")
    today = date.fromisoformat(invoice.header["date"])
    assert invoice.header["due_date"] == (today + timedelta(days=7)).isoformat()
    assert invoice.header["line_amount_types"] == "Inclusive"
    assert invoice.header["reference"] == f"invoice for {contact['Name']}"
    assert (invoice.lines[0]["account_code"], invoice.lines[0]["tax_type"]) == ("205", "ZERORATED")
    quote = new_form(panel, "quote")
    assert quote.header["expiry_date"] == (today + timedelta(days=10)).isoformat()
    bill = new_form(panel, "bill")
    assert bill.header["due_date"] == (today + timedelta(days=45)).isoformat()
    assert (bill.lines[0]["account_code"], bill.lines[0]["tax_type"]) == ("400", "INPUT2")


def test_a_default_the_organisation_cannot_use_falls_back_to_its_own_first_choice(
    server, workspace
):
    with server.app.extensions["db_sessionmaker"]() as session:  # saved while not connected
        row = session.get(Workspace, workspace.id)
        row.settings = {"drafts": {"sales_account": "999", "sales_tax_type": "NOPE"}}
        session.commit()
    panel, _contact = linked(server, workspace, NZ, index=31)
    line = new_form(panel, "invoice").lines[0]
    assert (line["account_code"], line["tax_type"]) == ("200", "OUTPUT2")


def test_accepted_quotes_count_as_open_once_the_admin_says_so(server, workspace):
    accepted = [q for q in stored(server, NZ, "quote") if q["Status"] == "ACCEPTED"]
    contact_id = accepted[0]["Contact"]["ContactID"]
    count = sum(1 for q in accepted if q["Contact"]["ContactID"] == contact_id)
    panel = link_panel(server, workspace, contact_id)
    before = Figures(panel.get("/contact/summary").text).figures["open_quotes"]["count"]
    assert _post(launch(server, workspace), server, GOOD).status_code == 200
    after = Figures(panel.get("/contact/summary").text).figures["open_quotes"]["count"]
    assert after == before + count
