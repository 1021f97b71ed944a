"""Benchmark of the organisation mirror: the first sync of the large demo organisation, and a
working day of panel opens and changes, with webhooks on and off.

Run: `.venv/bin/python -m bench.sync` (loopback only; about 6 minutes: seeding 20 s, the first
sync paced inside Xero's 60-a-minute limit, two compressed days of 2 minutes each).

- The sandbox (and the widget's webhook endpoint) run in gunicorn (1 worker, gthread), every
  Accounting call counted where the sandbox answers (`bench.contact_panel.XeroMeter`). The sync
  runs in this process (`sync_organisation`, the job's own function), so its peak memory is
  this process's.
- First sync: `flask sandbox seed --size large` (~10,000 contacts, 50,000 invoices and bills,
  5,000 quotes, ~2,000 credit notes), a workspace connected to it, one full first sync with the
  default pacing against the sandbox's real limits (60 a minute): calls, bytes, 429s, seconds,
  peak memory.
- Working day (the NZ demo organisation, mirrored first): 8 hours of a panel opened every minute
  (`ensure_fresh`, what a panel calls) and 200 documents changed in Xero spread over the day
  (payments recorded by the sandbox's actions). Time is compressed: one minute of the day is
  `--minute-seconds` (0.25) real seconds, and the mirror's freshness targets shrink alike
  (60 s -> 0.25 s); the sandbox's minute limit is lifted for this part, since only the count
  of calls matters. Once with webhooks on (the sandbox sends signed events to the widget's
  /webhooks/xero), once with them off (polling only).
Last line: `sync: first_calls=N first_s=S day_calls_webhooks=A day_calls_polling=B`.
Goals (issue 9): first sync without a 429, day_calls_webhooks <= 600, day_calls_polling <= 1000.
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

from bench.contact_panel import (
    ROOT,
    Server,
    _environment,
    _free_port,
    _migrate,
    bench_app,
    serve_with_gunicorn,
)

LARGE = "Demo Company (Large)"
NZ = "Demo Company (NZ)"
DAY_MINUTES = 8 * 60
DAY_CHANGES = 200


def sync_bench_app():
    """The contact benchmark's app (Xero meter included), with the sandbox's webhook batching
    window compressed like the day (BENCH_WEBHOOK_BATCH_SECONDS)."""
    app = bench_app()
    window = os.environ.get("BENCH_WEBHOOK_BATCH_SECONDS")
    if window:
        app.config["SANDBOX_WEBHOOK_BATCH_SECONDS"] = float(window)
        app.config["SANDBOX_WEBHOOK_RETRY_SECONDS"] = float(window)
    return app


def start_server(folder: Path, threads: int) -> tuple[Server, dict[str, str]]:
    """gunicorn (1 worker, gthread) serving `sync_bench_app` on a free loopback port."""
    port = _free_port()
    env = _environment(folder, port)
    _migrate(env)
    return serve_with_gunicorn("bench.sync:sync_bench_app()", port, env, threads), env


def _app(env: dict[str, str], **config):
    """This process's app on the benchmark's databases (the sync runs here)."""
    from widget import create_app

    saved = dict(os.environ)
    os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
    try:
        return create_app(config or None)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _seed_large(env: dict[str, str], scale: float) -> None:
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "sandbox", "seed", "--size", "large"]
    if scale != 1:
        command += ["--scale", str(scale)]
    subprocess.run(command, cwd=ROOT, env=env, check=True)  # noqa: S603 (our own CLI)


def _connect(server: Server, app, org: str) -> tuple[str, str]:
    """A new workspace connected to `org` as the consent callback connects it."""
    import requests

    from widget.auth.launch import sign_launch_token
    from widget.auth.users import find_by_crm_id
    from widget.auth.workspaces import create_workspace
    from widget.connection import lifecycle
    from widget.db import get_session
    from widget.xero import TokenSet, XeroOAuth

    with app.app_context():
        workspace, secret = create_workspace(
            get_session(), "Bench CRM", ["https://crm.example.com"], "ws-" + secrets.token_hex(5)
        )
        get_session().commit()
        workspace_id = workspace.id
    admin = {"id": "bench-admin", "name": "Bench Admin", "admin": True}
    token = sign_launch_token(
        workspace_id, secret, user=admin, record={"type": "none"}, panel="admin"
    )
    requests.get(f"{server.url}/admin", params={"token": token}, timeout=30).raise_for_status()
    sandbox = app.extensions["sandbox"]
    tenant_id = sandbox.find_org(org).tenant_id
    with app.app_context():
        user_id = find_by_crm_id(get_session(), workspace_id, "bench-admin").id
        tokens = TokenSet.from_token_response(sandbox.token(org).response())
        chosen = next(
            o
            for o in XeroOAuth.from_config(app.config).connections(tokens.access_token)
            if o.tenant_id == tenant_id
        )
        lifecycle.connect(workspace_id, user_id, tokens, chosen)
    return workspace_id, tenant_id


def _calls(server: Server, mark: int) -> list[dict]:
    return server.meter()[mark:]


def first_sync(folder: Path, scale: float) -> dict:
    os.environ.update(MIRROR_START_ON_CONNECT="0")
    server, env = start_server(folder, threads=8)
    try:
        print("seeding the large organisation…", flush=True)
        _seed_large(env, scale)
        app = _app(env)
        workspace_id, tenant_id = _connect(server, app, LARGE)
        from widget.mirror.service import mirror_status
        from widget.mirror.sync import sync_organisation

        mark = len(server.meter())
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        began = time.monotonic()
        with app.app_context():
            result = sync_organisation(workspace_id, tenant_id)
            status = mirror_status(workspace_id, tenant_id)
        seconds = time.monotonic() - began
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        calls = _calls(server, mark)
        app.extensions["db_engine"].dispose()
    finally:
        server.process.terminate()
        server.process.wait(timeout=10)
    figures = {
        "outcome": result.outcome,
        "documents": status.documents_read,
        "expected": status.documents_expected,
        "calls": len(calls),
        "bytes": sum(c["bytes"] for c in calls),
        "http_429": sum(1 for c in calls if c["status"] == 429),
        "seconds": seconds,
        "peak_python_mb": peak / 1e6,
        "peak_rss_growth_mb": max(0, rss_after - rss_before) / 1024,
        "by_endpoint": {},
    }
    for call in calls:
        figures["by_endpoint"][call["path"]] = figures["by_endpoint"].get(call["path"], 0) + 1
    return figures


def working_day(folder: Path, minute_seconds: float, webhooks: bool) -> dict:
    """8 compressed hours: a panel open every minute, 200 changes spread over the day."""
    os.environ.update(
        MIRROR_START_ON_CONNECT="0",
        SANDBOX_MINUTE_LIMIT="1000000",
        SANDBOX_DAILY_LIMIT="1000000",
        BENCH_WEBHOOK_BATCH_SECONDS=str(minute_seconds / 60),
    )
    server, env = start_server(folder, threads=8)
    scale = minute_seconds / 60
    try:
        app = _app(
            env,
            MIRROR_FRESHNESS_SECONDS=60 * scale,
            MIRROR_FULL_SYNC_SECONDS=900 * scale,
            MIRROR_QUIET_MAX_SECONDS=900 * scale,
            MIRROR_REFRESH_MIN_SECONDS=10 * scale,
            MIRROR_SYNC_CALLS_PER_MINUTE=1_000_000,
            MIRROR_WEBHOOKS=webhooks,
        )
        sandbox = app.extensions["sandbox"]
        sandbox.ensure_ready()
        sandbox.webhooks.switch(on=webhooks)
        workspace_id, tenant_id = _connect(server, app, NZ)
        from widget.mirror.service import ensure_fresh
        from widget.mirror.sync import sync_organisation
        from widget.sandbox import actions

        with app.app_context():
            sync_organisation(workspace_id, tenant_id)  # the first sync is not the day's
        payable = _payable_invoices(sandbox, tenant_id)
        change_every = DAY_MINUTES / DAY_CHANGES
        mark = len(server.meter())
        began = time.monotonic()
        changes = 0
        for minute in range(DAY_MINUTES):
            while changes < DAY_CHANGES and changes * change_every <= minute:
                invoice_id = payable[changes % len(payable)]
                actions.pay(sandbox, tenant_id, invoice_id, amount=Decimal("0.01"))
                changes += 1
            with app.app_context():
                ensure_fresh(workspace_id, tenant_id)
            next_minute = began + (minute + 1) * minute_seconds
            time.sleep(max(0.0, next_minute - time.monotonic()))
        app.extensions["jobs"].wait_idle(60)
        time.sleep(3)  # the last webhooks and their fetches
        calls = _calls(server, mark)
        sandbox.webhooks.switch(on=False)
        app.extensions["db_engine"].dispose()
    finally:
        server.process.terminate()
        server.process.wait(timeout=10)
    by_endpoint: dict[str, int] = {}
    for call in calls:
        by_endpoint[call["path"].split("/")[0]] = by_endpoint.get(call["path"].split("/")[0], 0) + 1
    return {
        "calls": len(calls),
        "http_429": sum(1 for c in calls if c["status"] == 429),
        "changes": changes,
        "by_endpoint": by_endpoint,
    }


def _payable_invoices(sandbox, tenant_id: str) -> list[str]:
    """AUTHORISED invoices with something due: each change is a one-cent payment."""
    owing = sandbox.documents(tenant_id, "invoice", "AUTHORISED")
    return sorted(i["InvoiceID"] for i in owing if Decimal(str(i["AmountDue"])) > 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="large org size (0.01: tiny)")
    parser.add_argument("--minute-seconds", type=float, default=0.25)
    args = parser.parse_args()
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as folder:
        try:
            first = first_sync(Path(folder), args.scale)
            print(
                f"first sync: {first['documents']:,} documents (about {first['expected']:,}), "
                f"{first['calls']} calls {first['by_endpoint']}, {first['bytes'] / 1e6:.1f} MB, "
                f"{first['http_429']} x 429, {first['seconds']:.1f} s, "
                f"peak Python memory {first['peak_python_mb']:.0f} MB "
                f"(RSS +{first['peak_rss_growth_mb']:.0f} MB)",
                flush=True,
            )
            days = {}
            for webhooks in (True, False):
                os.environ.clear()
                os.environ.update(saved)
                with tempfile.TemporaryDirectory(prefix="bench-day-") as day_folder:
                    days[webhooks] = working_day(Path(day_folder), args.minute_seconds, webhooks)
                day = days[webhooks]
                print(
                    f"day ({'webhooks' if webhooks else 'polling'}): {day['calls']} calls "
                    f"{day['by_endpoint']}, {day['http_429']} x 429, {day['changes']} changes",
                    flush=True,
                )
        finally:
            os.environ.clear()
            os.environ.update(saved)
    print(
        f"sync: first_calls={first['calls']} first_s={first['seconds']:.0f} "
        f"day_calls_webhooks={days[True]['calls']} day_calls_polling={days[False]['calls']}"
    )
    met = first["http_429"] == 0 and days[True]["calls"] <= 600 and days[False]["calls"] <= 1000
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
