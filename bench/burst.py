"""Benchmark of a busy sales team on one organisation: 300 contact-panel opens within 60 s, spread
over 50 linked contacts, on the README's gunicorn (1 worker, 8 threads), once the organisation's
mirror has finished its first sync.

Run: `.venv/bin/python -m bench.burst` (loopback only; about 90 seconds).

Setup: gunicorn with the sandbox's real limits (60 calls a minute, 5 in flight), a workspace
connected to the NZ demo organisation, its first sync started on the server (the admin page's
Retry route, as an admin would) and awaited, 50 CRM contacts linked to Xero contacts that owe
money. Then 300 opens, one every 0.2 s, each through a fresh launch token as a CRM does: the
panel page, and its figures (`/contact/summary`) when they are not in the page. Counted:
- figures: opens that showed the five figures; errors: opens that did not (any non-200, or the
  panel's "Error fetching details");
- xero_calls / http_429: Accounting API calls the sandbox answered during the burst (the
  `XeroMeter`), and how many of them were 429s;
- p50_ms / p99_ms: time per open (page + figures).
Last line: `burst: figures=P% errors=E xero_calls=N http_429=K p50_ms=A p99_ms=B`.
Goal (issue 9): figures 100%, errors 0, xero_calls <= 10, http_429 0, p99 <= 1000.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.company_panel import link_people
from bench.contact_panel import ORG, _with_env, connect, owing_contacts, start_server

OPENS = 300
CONTACTS = 50
WINDOW_SECONDS = 60
SESSION = re.compile(r'<meta name="widget-session" content="([^"]+)"')
FIGURE = re.compile(r"data-figure=")


def _admin(server, workspace):
    import requests

    from widget.auth.launch import sign_launch_token

    admin = {"id": "bench-admin", "name": "Bench Admin", "admin": True}
    token = sign_launch_token(*workspace, user=admin, record={"type": "none"}, panel="admin")
    page = requests.get(f"{server.url}/admin", params={"token": token}, timeout=30)
    browser = requests.Session()
    browser.headers.update({"X-Widget-Session": SESSION.search(page.text).group(1)})
    return browser


def first_sync(server, workspace, timeout: float = 600) -> float:
    """Start the first sync on the server (Retry, as an admin) and wait for it to finish."""
    admin = _admin(server, workspace)
    began = time.monotonic()
    admin.post(f"{server.url}/admin/mirror/retry", timeout=30).raise_for_status()
    while time.monotonic() - began < timeout:
        progress = admin.get(f"{server.url}/admin/mirror/progress", timeout=30).text
        if 'data-mirror-state="ready"' in progress:
            return time.monotonic() - began
        time.sleep(0.5)
    raise RuntimeError("the first sync did not finish")


def open_once(server, workspace, person: dict) -> tuple[bool, float]:
    """One panel open as a CRM and a browser do it; (showed the figures, seconds)."""
    import requests

    from widget.auth.launch import sign_launch_token

    user = {"id": "bench-rep", "name": "Bench Rep", "admin": True}
    record = {"type": "contact", "id": person["id"], "name": person["name"]}
    began = time.monotonic()
    try:
        token = sign_launch_token(*workspace, user=user, record=record, panel="contact")
        page = requests.get(f"{server.url}/contact", params={"token": token}, timeout=30)
        if page.status_code != 200:
            return False, time.monotonic() - began
        text = page.text
        if 'hx-get="/contact/summary"' in text and not FIGURE.search(text):
            session = SESSION.search(text).group(1)
            summary = requests.get(
                f"{server.url}/contact/summary",
                headers={"X-Widget-Session": session, "HX-Request": "true"},
                timeout=30,
            )
            text = summary.text if summary.status_code == 200 else ""
    except requests.RequestException:
        return False, time.monotonic() - began
    shown = len(FIGURE.findall(text)) >= 5 and "Error fetching details" not in text
    return shown, time.monotonic() - began


def burst(server, workspace, people: list[dict], opens: int, window: float):
    results: list[tuple[bool, float]] = []
    lock = threading.Lock()
    began = time.monotonic()

    def one(index: int) -> None:
        time.sleep(max(0.0, began + index * window / opens - time.monotonic()))
        outcome = open_once(server, workspace, people[index % len(people)])
        with lock:
            results.append(outcome)

    with ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(one, range(opens)))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opens", type=int, default=OPENS)
    parser.add_argument("--window", type=float, default=WINDOW_SECONDS)
    args = parser.parse_args()
    saved = dict(os.environ)
    os.environ["MIRROR_START_ON_CONNECT"] = "0"  # the server starts it (below), not this process
    try:
        with tempfile.TemporaryDirectory(prefix="bench-burst-") as folder:
            server, env = start_server(Path(folder), threads=8)
            try:
                app = _with_env(env)
                tenant_id = app.extensions["sandbox"].find_org(ORG).tenant_id
                workspace = connect(server, app, tenant_id)
                people = link_people(
                    app, workspace[0], tenant_id, owing_contacts(app, tenant_id, CONTACTS)
                )
                seconds = first_sync(server, workspace)
                print(f"first sync of '{ORG}' finished in {seconds:.1f} s", flush=True)
                time.sleep(1)  # the sync's own calls are not the burst's
                mark = len(server.meter())
                results = burst(server, workspace, people, args.opens, args.window)
                calls = server.meter()[mark:]
            finally:
                server.process.terminate()
                server.process.wait(timeout=10)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    shown = sum(1 for ok, _ in results if ok)
    times = sorted(seconds * 1000 for _, seconds in results)
    p50 = statistics.median(times)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    http_429 = sum(1 for call in calls if call["status"] == 429)
    endpoints: dict[str, int] = {}
    for call in calls:
        endpoints[call["path"].split("/")[0]] = endpoints.get(call["path"].split("/")[0], 0) + 1
    print(f"{len(results)} opens over {len(people)} linked contacts; Xero calls {endpoints}")
    print(
        f"burst: figures={shown * 100 // len(results)}% errors={len(results) - shown} "
        f"xero_calls={len(calls)} http_429={http_429} p50_ms={p50:.0f} p99_ms={p99:.0f}"
    )
    met = shown == len(results) and len(calls) <= 10 and http_429 == 0 and p99 <= 1000
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
