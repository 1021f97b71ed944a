"""Reference data: GET /Organisation, /Accounts, /TaxRates, /Items, /Currencies."""

from flask import request

from widget.sandbox.blueprint import ACCOUNTING, bp, sandbox
from widget.sandbox.gate import accounting
from widget.sandbox.query import apply_where, bodies, fetch, fields
from widget.sandbox.serialise import envelope, json_response

REFERENCE = {
    # resource: (kind, scope family, where fields)
    "Accounts": (
        "account",
        "settings",
        fields(
            "AccountID Code Name Type Status TaxType Class Description SystemAccount "
            "EnablePaymentsToAccount ShowInExpenseClaims BankAccountType CurrencyCode "
            "ReportingCode UpdatedDateUTC",
            Code=lambda row: row.number,
            Status=lambda row: row.status,
            Type=lambda row: row.type,
        ),
    ),
    "TaxRates": (
        "taxrate",
        "settings",
        fields("Name TaxType Status ReportTaxType EffectiveRate DisplayTaxRate CanApplyToRevenue"),
    ),
    "Items": (
        "item",
        "items",
        fields(
            "ItemID Code Name Description IsSold IsPurchased IsTrackedAsInventory UpdatedDateUTC"
        ),
    ),
    "Currencies": ("currency", "settings", fields("Code Description")),
}


@bp.get(f"{ACCOUNTING}/Organisation")
@accounting("settings")
def organisation(tenant_id: str):
    box = sandbox()
    body = box.organisation(tenant_id)
    return json_response(envelope("Organisations", [body], box.clock.now()))


def _reference_view(resource: str):
    kind, family, where_fields = REFERENCE[resource]

    @accounting(family)
    def view(tenant_id: str):
        box = sandbox()
        with box.sessions() as session:
            records = fetch(session, tenant_id, kind)
            found = bodies(apply_where(records, request.args.get("where"), where_fields))
        return json_response(envelope(resource, found, box.clock.now()))

    view.__name__ = f"list_{kind}"
    return view


for _resource in REFERENCE:
    bp.add_url_rule(f"{ACCOUNTING}/{_resource}", view_func=_reference_view(_resource))
