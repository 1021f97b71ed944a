"""/sandbox/xero/_control/…: operate a running sandbox over HTTP (for benchmarks and demos in
another process), guarded by the sandbox app's client credentials (HTTP Basic)."""

from datetime import timedelta

from flask import request

from widget.sandbox import actions
from widget.sandbox.blueprint import bp, sandbox
from widget.sandbox.identity import client_id_or_401
from widget.sandbox.problems import bad_request
from widget.sandbox.serialise import json_response

CONTROL = "/_control"


def _body() -> dict:
    data = request.get_json(silent=True, force=True)
    if data is None and not request.get_data():
        return {}
    if not isinstance(data, dict):
        raise bad_request("Send a JSON object")
    return data


def _org(value) -> str:
    if not value:
        raise bad_request("'org' is required")
    try:
        return sandbox().find_org(str(value)).tenant_id
    except LookupError as exc:
        raise bad_request(str(exc)) from None


@bp.post(f"{CONTROL}/faults")
def control_set_faults():
    client_id_or_401()
    settings = _body()
    tenant_id = _org(settings.pop("org", None))
    if settings.pop("clear", False):
        sandbox().faults.clear(tenant_id)
    try:
        current = sandbox().faults.set(tenant_id, **settings)
    except (ValueError, TypeError) as exc:
        raise bad_request(str(exc)) from None
    return json_response(current)


@bp.get(f"{CONTROL}/faults")
def control_get_faults():
    client_id_or_401()
    return json_response(sandbox().faults.get(_org(request.args.get("org"))))


@bp.delete(f"{CONTROL}/faults")
def control_clear_faults():
    client_id_or_401()
    org = request.args.get("org")
    sandbox().faults.clear(_org(org) if org else None)
    return json_response({"cleared": org or "all"})


@bp.post(f"{CONTROL}/reset")
def control_reset():
    client_id_or_401()
    return json_response(sandbox().reset())


@bp.post(f"{CONTROL}/limits/reset")
def control_reset_limits():
    client_id_or_401()
    sandbox().limits.reset()
    return json_response({"limits": "reset"})


@bp.post(f"{CONTROL}/clock")
def control_clock():
    """{"advance_seconds": N} moves this server's sandbox clock on; {"reset": true} undoes it."""
    client_id_or_401()
    data, clock = _body(), sandbox().clock
    if data.get("reset"):
        clock.reset()
    try:
        clock.offset += timedelta(seconds=float(data.get("advance_seconds", 0)))
    except (TypeError, ValueError):
        raise bad_request("advance_seconds must be a number") from None
    return json_response({"now": clock.now().isoformat() + "Z"})


@bp.post(f"{CONTROL}/token")
def control_token():
    """{"orgs": ["Demo Company (NZ)"]}: tokens for a new grant, skipping the consent page."""
    client_id_or_401()
    orgs = _body().get("orgs") or []
    if not isinstance(orgs, list) or not orgs:
        raise bad_request("'orgs' must be a non-empty list of organisation names")
    tokens = sandbox().token(*[_org(o) for o in orgs])
    return json_response(tokens.response() | {"tenant_ids": list(tokens.tenant_ids)})


#: POST _control/<name> with {"org": …, …}: the actions of `flask sandbox <name>`.
#: name -> (action, required fields in argument order, optional field -> keyword)
_ACTIONS = {
    "pay": (actions.pay, ("invoice",), {"amount": "amount", "account": "account_code"}),
    "approve": (actions.approve, ("invoice",), {}),
    "void": (actions.void, ("invoice",), {}),
    "credit": (actions.credit, ("contact", "amount"), {"sales": "sales"}),
    "allocate": (actions.allocate_credit, ("credit_note", "invoice"), {"amount": "amount"}),
    "merge": (actions.merge, ("from", "into"), {}),
}


@bp.post(f"{CONTROL}/<any(pay, approve, void, credit, allocate, merge):name>")
def control_action(name: str):
    """Change an organisation as a person would in Xero (a payment, a void, a merge…)."""
    client_id_or_401()
    data = _body()
    action, required, optional = _ACTIONS[name]
    missing = [field for field in required if data.get(field) in (None, "")]
    if missing:
        raise bad_request(f"'{missing[0]}' is required")
    args = [str(data[field]) for field in required]
    options = {kw: data[field] for field, kw in optional.items() if data.get(field) is not None}
    try:
        done = action(sandbox(), _org(data.get("org")), *args, **options)
    except actions.ActionError as exc:
        raise bad_request(str(exc)) from None
    return json_response(done)


@bp.get(f"{CONTROL}/webhooks")
def control_webhooks_status():
    client_id_or_401()
    return json_response(sandbox().webhooks.status())


@bp.post(f"{CONTROL}/webhooks")
def control_webhooks():
    """{"enabled": true|false, "url": "…"}: switch the sandbox's webhooks (all processes)."""
    client_id_or_401()
    data = _body()
    enabled, url = data.get("enabled"), data.get("url")
    if enabled is not None and not isinstance(enabled, bool):
        raise bad_request("'enabled' must be true or false")
    if url is not None and not str(url).startswith(("http://", "https://")):
        raise bad_request("'url' must be an http(s) URL")
    return json_response(sandbox().webhooks.switch(enabled, url))


@bp.post(f"{CONTROL}/seed")
def control_seed():
    """{"size": "large"}: add (or seed afresh) Demo Company (Large); takes a while."""
    client_id_or_401()
    data = _body()
    if data.get("size") != "large":
        raise bad_request("'size' must be 'large'")
    try:
        scale = float(data.get("scale", 1.0))
    except (TypeError, ValueError):
        raise bad_request("'scale' must be a number") from None
    if not 0 < scale <= 1:
        raise bad_request("'scale' must be above 0 and at most 1")
    return json_response(sandbox().seed_large(scale))
