"""The draft form's rules as reps meet them (issue 11): a zero total is refused with a clear
message while notes (zero lines) and discounts (negative lines) pass when the total is above
zero, and the form says so; a line with no account is created as a draft but flagged; item prices
read as money; lock dates are written in the panel's date style. Checked by the pure rules and
over HTTP against the sandbox (what Xero stores)."""

import html
import secrets
from decimal import Decimal

from tests.contact.support import NZ
from tests.drafts.reference_data import make_reference
from tests.drafts.support import created_id, document, linked, new_form, send, with_reference
from widget.drafts.validation import DraftValues, LineValues, check

REF = make_reference()
WORK = LineValues(description="Work", quantity="2", unit_amount="10", account_code="200",
                  tax_type="OUTPUT2")  # fmt: skip
ZERO_TOTAL = "The total is zero: Xero does not take a document with nothing to pay."


def _values(*lines: LineValues, **header) -> DraftValues:
    base = {"date": "2026-06-01", "due_date": "2026-06-15", "currency_code": "NZD",
            "line_amount_types": "Exclusive"}  # fmt: skip
    return DraftValues(kind="invoice", lines=lines, **{**base, **header})


def _note(text="Delivered on site") -> LineValues:
    return LineValues(description=text, quantity="1", unit_amount="0", account_code="200",
                      tax_type="OUTPUT2")  # fmt: skip


def test_a_document_whose_total_is_zero_is_refused_with_a_clear_message():
    result = check(_values(_note(), _note("And a second note")), REF)
    assert result.errors == {}
    assert len(result.general) == 1 and result.general[0].startswith(ZERO_TOTAL)
    discount_cancels = LineValues(description="Discount", quantity="1", unit_amount="-20",
                                  account_code="200", tax_type="OUTPUT2")  # fmt: skip
    assert check(_values(WORK, discount_cancels), REF).general[0].startswith(ZERO_TOTAL)


def test_notes_and_discounts_pass_while_the_total_is_above_zero():
    discount = LineValues(description="Loyalty discount", quantity="1", unit_amount="-5",
                          account_code="200", tax_type="OUTPUT2")  # fmt: skip
    result = check(_values(WORK, _note(), discount), REF)
    assert result.ok, (result.errors, result.general)
    assert result.totals().total == Decimal("17.25")  # (20 - 5) + 15 % tax


def test_a_line_with_no_account_passes_the_checks():
    no_account = LineValues(description="Work", quantity="1", unit_amount="50",
                            tax_type="OUTPUT2")  # fmt: skip
    result = check(_values(no_account), REF)
    assert result.ok, result.errors
    assert result.lines[0].account_code is None


def test_lock_dates_are_written_in_the_readers_date_style():
    locked = _values(WORK, date="2026-03-31", due_date="2026-04-30")
    assert "(31 Mar 2026)" in " ".join(check(locked, REF, "en-NZ").errors["date"])
    assert "(Mar 31, 2026)" in " ".join(check(locked, REF, "en-US").errors["date"])
    assert "(31.03.2026)" in " ".join(check(locked, REF, "de-DE").errors["date"])


# --- over HTTP ----------------------------------------------------------------------------------


def test_the_form_says_notes_and_discounts_are_fine_and_writes_item_prices_as_money(server, nz):
    panel, _contact = linked(server, nz, NZ, index=51)
    page = panel.get("/drafts/invoice/new").text
    assert "Lines at zero (notes) and negative lines (discounts) are fine" in page
    assert 'data-price="165.00"' in page and 'data-price="165.0"' not in page
    # the first line has the default account: its "needs an account" note starts hidden
    assert "data-account-needed hidden" in page


def test_a_zero_total_is_refused_over_http_and_nothing_reaches_xero(server, nz):
    panel, _contact = linked(server, nz, NZ, index=52)
    post = new_form(panel, "invoice")
    reference = f"zero-{secrets.token_hex(4)}"
    post.set(reference=reference).with_lines(
        {"description": "A note", "quantity": "1", "unit_amount": "0"}
    )
    mark = server.meter.mark()
    answer = send(panel, post)
    assert answer.status_code == 422, answer.text[:800]
    assert ZERO_TOTAL in html.unescape(answer.text)
    assert [c for c in server.meter.since(mark) if c.method in ("PUT", "POST")] == []
    assert with_reference(server, NZ, "invoice", reference) == []


def test_a_discount_and_a_line_without_account_are_created_and_the_line_is_flagged(server, nz):
    panel, _contact = linked(server, nz, NZ, index=53)
    post = new_form(panel, "invoice")
    reference = f"flag-{secrets.token_hex(4)}"
    post.set(reference=reference).with_lines(
        {"description": "Design", "quantity": "1", "unit_amount": "100"},
        {"description": "Discount", "quantity": "1", "unit_amount": "-10"},
        {"description": "Site visit", "quantity": "1", "unit_amount": "40", "account_code": ""},
    )
    answer = send(panel, post)
    assert answer.status_code == 200, answer.text[:1500]
    assert "data-draft-no-account" in answer.text
    assert "Line 3 has no account: choose one in Xero before approving" in answer.text
    stored = document(server, NZ, "invoice", created_id(answer.text))
    lines = stored["LineItems"]
    assert [Decimal(str(line["UnitAmount"])) for line in lines] == [100, -10, 40]
    assert not lines[2].get("AccountCode")
    assert Decimal(str(stored["Total"])) == Decimal("149.50")  # 130 + 15 % tax
