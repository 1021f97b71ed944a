"""Turn checked line items into Xero's line and document JSON (amounts from `totals`)."""

from decimal import Decimal

from widget.sandbox.serialise import money
from widget.sandbox.totals import DocumentTotals, document_totals, line_total


def priced_lines(
    lines: list[dict], amount_types: str, rates: dict[str, Decimal]
) -> tuple[list[dict], DocumentTotals]:
    """Lines carry Decimal Quantity/UnitAmount/DiscountRate; the result is JSON-ready."""
    out, totals = [], []
    no_tax = amount_types.lower() == "notax"
    for line in lines:
        tax_type = "NONE" if no_tax else line.get("TaxType") or "NONE"
        rate = rates.get(tax_type, Decimal(0))
        discount = line.get("DiscountRate") or Decimal(0)
        result = line_total(line["Quantity"], line["UnitAmount"], rate, amount_types, discount)
        totals.append(result)
        entry = {
            "LineItemID": line["LineItemID"],
            "Description": line.get("Description") or "",
            "Quantity": money(line["Quantity"]),
            "UnitAmount": money(line["UnitAmount"]),
            "TaxType": tax_type,
            "TaxAmount": money(result.tax_amount),
            "LineAmount": money(result.line_amount),
            "Tracking": [],
        }
        for optional in ("AccountCode", "ItemCode"):
            if line.get(optional):
                entry[optional] = line[optional]
        if discount:
            entry["DiscountRate"] = money(discount)
        out.append(entry)
    return out, document_totals(totals, amount_types)


def totals_json(totals: DocumentTotals) -> dict:
    return {
        "SubTotal": money(totals.sub_total),
        "TotalTax": money(totals.total_tax),
        "Total": money(totals.total),
    }
