"""`flask --app wsgi sandbox …`: reset, tokens, organisations and faults of the sandbox."""

import os
import time

import click
from flask import current_app
from flask.cli import AppGroup

from widget.sandbox.cli_actions import register as register_actions

sandbox_cli = AppGroup("sandbox", help="Operate the built-in Xero sandbox.")
register_actions(sandbox_cli)


def _sandbox():
    return current_app.extensions["sandbox"]


@sandbox_cli.command("reset")
def reset_command() -> None:
    """Drop all sandbox state and seed the demo organisations afresh."""
    summary = _sandbox().reset()
    for org, counts in summary.items():
        listed = ", ".join(f"{count} {kind}s" for kind, count in counts.items())
        click.echo(f"{org}: {listed}")


@sandbox_cli.command("orgs")
def orgs_command() -> None:
    """List the organisations with their tenant ids."""
    for org in _sandbox().organisations():
        click.echo(f"{org.tenant_id}  {org.name}  ({org.base_currency}, {org.short_code})")


def _org_or_fail(name: str):
    try:
        return _sandbox().find_org(name)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None


@sandbox_cli.command("token")
@click.option("--org", "org_name", required=True, help="Organisation name or unique prefix.")
def token_command(org_name: str) -> None:
    """Create a grant for one organisation and print its access token and a curl example."""
    org = _org_or_fail(org_name)
    tokens = _sandbox().token(org.tenant_id)
    port = os.environ.get("PORT", "5000")  # scripts/run serves on $PORT
    base = current_app.config.get("XERO_SANDBOX_URL") or f"http://localhost:{port}/sandbox/xero"
    click.echo(f"organisation:  {org.name}")
    click.echo(f"tenant id:     {org.tenant_id}")
    click.echo(f"access token:  {tokens.access_token}")
    if tokens.refresh_token:
        click.echo(f"refresh token: {tokens.refresh_token}")
    click.echo("expires in:    1800 seconds (sandbox clock)")
    click.echo("")
    click.echo(
        f"curl -s -H 'Authorization: Bearer {tokens.access_token}' "
        f"-H 'xero-tenant-id: {org.tenant_id}' -H 'Accept: application/json' "
        f"{base.rstrip('/')}/api.xero.com/api.xro/2.0/Organisation"
    )


@sandbox_cli.command("fault")
@click.option("--org", "org_name", required=True, help="Organisation name or unique prefix.")
@click.option("--latency-ms", type=click.IntRange(min=0), help="Delay every API call.")
@click.option("--error-rate", type=click.FloatRange(0, 1), help="Share of calls failing 500/503.")
@click.option("--seed", type=int, help="Seed of the error stream (repeatable runs).")
@click.option("--force-429", help="Answer 429 to the next N calls, or 'always'.")
@click.option(
    "--problem",
    type=click.Choice(["minute", "day", "concurrent", "appminute"]),
    help="X-Rate-Limit-Problem of forced 429s.",
)
@click.option("--revoke", is_flag=True, help="Act as if the connection was revoked.")
@click.option(
    "--commit-then-fail",
    type=click.Choice(["500", "503", "timeout"]),
    help="Writes are saved but answered with an error (or late).",
)
@click.option("--fail-writes", type=int, help="How many writes commit-then-fail (default all).")
@click.option("--timeout-ms", type=click.IntRange(min=0), help="Delay of 'timeout' failures.")
@click.option("--clear", is_flag=True, help="Switch every fault off first.")
def fault_command(org_name: str, clear: bool, **options) -> None:
    """Switch faults on (or off with --clear) for one organisation of a running sandbox."""
    org = _org_or_fail(org_name)
    faults = _sandbox().faults
    if clear:
        faults.clear(org.tenant_id)
    settings = _settings(options)
    if settings:
        try:
            faults.set(org.tenant_id, **settings)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    current = faults.get(org.tenant_id)
    shown = ", ".join(f"{k}={v}" for k, v in current.items() if k != "tenant_id")
    click.echo(f"{org.name}: {shown}")


def _settings(options: dict) -> dict:
    settings = {}
    mapping = {
        "latency_ms": "latency_ms",
        "error_rate": "error_rate",
        "seed": "seed",
        "problem": "force_429_problem",
        "commit_then_fail": "commit_then_fail",
        "fail_writes": "commit_then_fail_count",
        "timeout_ms": "timeout_ms",
    }
    for option, name in mapping.items():
        if options.get(option) is not None:
            settings[name] = options[option]
    forced = options.get("force_429")
    if forced is not None:
        if forced != "always" and not forced.isdigit():
            raise click.BadParameter("a number or 'always'", param_hint="--force-429")
        settings["force_429"] = -1 if forced == "always" else int(forced)
    if options.get("revoke"):
        settings["revoked"] = True
    return settings


@sandbox_cli.command("webhooks")
@click.option("--on/--off", "on", default=None, help="Send webhooks, or stop sending them.")
@click.option("--url", help="Where to send them (default: this app's /webhooks/xero).")
def webhooks_command(on, url) -> None:
    """Show or switch the sandbox's webhooks (a running server follows within a second)."""
    status = _sandbox().webhooks.switch(on, url)
    click.echo(f"webhooks: {'on' if status['enabled'] else 'off'} -> {status['url']}")


@sandbox_cli.command("seed")
@click.option("--size", type=click.Choice(["large"]), required=True, help="Which organisation.")
@click.option("--scale", type=click.FloatRange(0.0001, 1), default=1.0, hidden=True)
def seed_command(size: str, scale: float) -> None:
    """Add the large demo organisation (re-seeding it if it exists; `reset` removes it)."""
    started = time.monotonic()
    counts = _sandbox().seed_large(scale)
    listed = ", ".join(f"{count} {kind}s" for kind, count in counts.items())
    click.echo(f"Demo Company (Large): {listed} in {time.monotonic() - started:.1f} s")
