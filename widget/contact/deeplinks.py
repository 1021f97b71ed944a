""" "View in Xero" links (XERO.md, "Deep links"): through Xero's organisation login, so a person
signed in to several organisations lands in the right one (its ShortCode)."""

from urllib.parse import quote, urlencode

GO = "https://go.xero.com"


def _via_organisation(short_code: str | None, path: str) -> str | None:
    if not short_code:
        return None
    query = urlencode({"shortcode": short_code, "redirecturl": path}, quote_via=quote)
    return f"{GO}/organisationlogin/default.aspx?{query}"


def contact_url(short_code: str | None, contact_id: str) -> str | None:
    return _via_organisation(short_code, f"/Contacts/View/{contact_id}")


def invoice_url(short_code: str | None, invoice_id: str) -> str | None:
    return _via_organisation(short_code, f"/AccountsReceivable/View.aspx?InvoiceID={invoice_id}")


def bill_url(short_code: str | None, invoice_id: str) -> str | None:
    return _via_organisation(short_code, f"/AccountsPayable/Edit.aspx?InvoiceID={invoice_id}")


def credit_note_url(short_code: str | None, credit_note_id: str, *, purchase: bool) -> str | None:
    """Xero's credit note page; the form XeroAPI's own xero-mcp-server builds (deeplinks.ts):
    `/AccountsReceivable/ViewCreditNote.aspx?creditNoteID=` for credit to a customer,
    `/AccountsPayable/ViewCreditNote.aspx?creditNoteID=` for credit from a supplier."""
    ledger = "AccountsPayable" if purchase else "AccountsReceivable"
    return _via_organisation(
        short_code, f"/{ledger}/ViewCreditNote.aspx?creditNoteID={credit_note_id}"
    )


def quote_url(short_code: str | None, quote_id: str) -> str | None:
    if not short_code:
        return None
    return f"{GO}/app/{quote(short_code, safe='!')}/quotes/view/{quote_id}"


def document_url(kind: str, short_code: str | None, document_id: str) -> str | None:
    """The link for a summary line of kind "quote", "invoice", "bill", "sales_credit" or
    "purchase_credit"."""
    if kind in ("sales_credit", "purchase_credit"):
        return credit_note_url(short_code, document_id, purchase=kind == "purchase_credit")
    return {"quote": quote_url, "invoice": invoice_url, "bill": bill_url}[kind](
        short_code, document_id
    )
