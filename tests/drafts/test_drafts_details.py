"""A draft invoice or bill raised from the panel shows up in "View details", in its own group
apart from the figures (which count only approved, AUTHORISED documents), fetched by the same one
Invoices call the summary already makes."""

import html
import re
import secrets

from tests.contact.support import NZ, Figures
from tests.drafts.support import created_id, document, linked, new_form, send

GROUPS = {
    "invoice": ("draft_invoice", "Draft invoices — not counted in the figures"),
    "bill": ("draft_bill", "Draft bills — not counted"),
}


def _group(details: str, kind: str) -> str:
    """The HTML of one group of "View details" (empty when the group is not shown)."""
    section = f'aria-labelledby="documents-{GROUPS[kind][0]}-heading"'
    match = re.search(re.escape(section) + r".*?</section>", details, re.S)
    return match.group(0) if match else ""


def test_new_draft_invoices_and_bills_are_listed_in_details_but_not_counted(server, nz):
    panel, _contact = linked(server, nz, NZ, index=46)
    before = Figures(panel.get("/contact/summary").text).figures
    for kind in ("invoice", "bill"):
        assert panel.get("/contact/details").status_code == 200
        post = new_form(panel, kind).with_lines(
            {"description": f"Listed {kind}", "quantity": "1", "unit_amount": "250"}
        )
        post.set(reference=f"listed-{secrets.token_hex(4)}", currency_code="USD")
        answer = send(panel, post)
        assert answer.status_code == 200, answer.text[:800]
        xero_id = created_id(answer.text)
        stored = document(server, NZ, "invoice", xero_id)

        mark = server.meter.mark()
        details = panel.get("/contact/details")
        calls = [c.path.rsplit("/", 1)[-1] for c in server.meter.since(mark)]
        assert details.status_code == 200, details.text[:800]
        assert sorted(calls) == ["Invoices", "Quotes"]  # the summary's calls, nothing more
        group = _group(details.text, kind)
        assert GROUPS[kind][1] in group, details.text[:3000]
        row = re.search(rf'<tr class="document draft"[^>]*>.*?{xero_id}.*?</tr>', group, re.S)
        assert row, group
        row_html = html.unescape(row.group(0))
        assert f'data-number="{stored["InvoiceNumber"]}"' in row_html
        assert 'data-currency="USD"' in row_html and f"USD\xa0{stored['Total']:.2f}" in row_html
        path = "AccountsReceivable/View.aspx" if kind == "invoice" else "AccountsPayable/Edit.aspx"
        link = re.search(r'href="([^"]+)"', row_html).group(1).replace("%2F", "/")
        assert link.startswith("https://go.xero.com/") and path in link.replace("%3F", "?")
        # not among the outstanding ones, and the figures are as before
        outstanding = re.search(rf'documents-{kind}-heading".*?</section>', details.text, re.S)
        assert xero_id not in outstanding.group(0)
        after = Figures(panel.get("/contact/summary").text).figures
        for figure in ("outstanding_invoices", "overdue_invoices"):
            assert after[figure] == before[figure], (kind, figure)
        for figure in ("outstanding_bills", "overdue_bills"):
            assert after[figure] == before[figure], (kind, figure)
