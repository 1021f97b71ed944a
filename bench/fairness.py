"""Benchmark of fairness between workspaces (issue 12, "Fair and bounded"): does one workspace's
slow Xero slow down another workspace's panels?

Run: `.venv/bin/python -m bench.fairness` (loopback only; about 40 seconds).

It starts gunicorn as the README runs it (1 worker, 8 threads, the built-in sandbox in the same
process; see bench.contact_panel), connects two workspaces to two different sandbox organisations
and links a few CRM contacts of the quiet one (UK) to its Xero contacts. Then:
- idle: the quiet workspace opens its contact panels one after another (a fresh launch token
  each, as a CRM does; the figures are cached after the first view) and times each view;
- busy: the slow workspace's organisation (NZ) answers every call after 2.5 s (the sandbox fault
  `latency_ms`), and 12 of its reps search from the contact panel in parallel, each searching
  again as soon as an answer arrives (after the Retry-After a "busy" answer gives, as the panel
  does); meanwhile the quiet workspace opens its panels as before.
With `--same-terms` the reps search for the same words at about the same time, so one request
asks Xero and the others wait for its answer (the panel cache's shared fetch): those waiting
requests hold threads as well (see `Governor.waiting_place`).
It prints both medians side by side and ends with
`fairness: idle_median_s=A busy_median_s=B ratio=R` (goal: ratio <= 2; exit status 1 if missed).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from bench.contact_panel import (
    SESSION,
    Server,
    _with_env,
    owing_contacts,
    panel_view,
    start_server,
)

SLOW_ORG = "Demo Company (NZ)"
QUIET_ORG = "Demo Company (UK)"
SLOW_MS = 2500
SEARCHERS = 12
THREADS = 8  # the README's gunicorn: ./scripts/run


def connect(server: Server, app, workspace_id: str, org_name: str) -> tuple[str, str]:
    """A workspace connected to the organisation, as bench.contact_panel's `connect` does (the
    sandbox grants consent without a browser; the widget stores the connection as its consent
    callback would)."""
    import requests

    from widget.auth.launch import sign_launch_token
    from widget.auth.users import find_by_crm_id
    from widget.auth.workspaces import create_workspace
    from widget.connection import lifecycle
    from widget.db import get_session
    from widget.xero import TokenSet, XeroOAuth

    with app.app_context():
        workspace, secret = create_workspace(
            get_session(), f"Bench {org_name}", ["https://crm.example.com"], workspace_id
        )
        get_session().commit()
    admin = {"id": "bench-admin", "name": "Bench Admin", "admin": True}
    token = sign_launch_token(
        workspace_id, secret, user=admin, record={"type": "none"}, panel="admin"
    )
    if requests.get(f"{server.url}/admin", params={"token": token}, timeout=10).status_code != 200:
        raise RuntimeError("the admin panel did not open")
    sandbox = app.extensions["sandbox"]
    tenant_id = sandbox.find_org(org_name).tenant_id
    with app.app_context():
        user_id = find_by_crm_id(get_session(), workspace_id, "bench-admin").id
        tokens = TokenSet.from_token_response(sandbox.token(org_name).response())
        organisations = XeroOAuth.from_config(app.config).connections(tokens.access_token)
        chosen = next(org for org in organisations if org.tenant_id == tenant_id)
        lifecycle.connect(workspace_id, user_id, tokens, chosen)
    return workspace_id, secret


def launch(server: Server, workspace: tuple[str, str], crm_id: str, user_id: str):
    """Open a contact panel as the CRM would; returns (first page, session for htmx requests)."""
    import requests

    from widget.auth.launch import sign_launch_token

    user = {"id": user_id, "name": f"Rep {user_id}", "admin": True}
    record = {"type": "contact", "id": crm_id, "name": f"Person {crm_id}"}
    token = sign_launch_token(*workspace, user=user, record=record, panel="contact")
    page = requests.get(f"{server.url}/contact", params={"token": token}, timeout=60)
    browser = requests.Session()
    match = SESSION.search(page.text)
    if page.status_code != 200 or not match:
        raise RuntimeError(f"the contact panel answered {page.status_code}")
    browser.headers.update({"X-Widget-Session": match.group(1), "HX-Request": "true"})
    return page, browser


def timed_views(server: Server, workspace, crm_ids: list[str], stop) -> list[float]:
    """Open the quiet workspace's panels one after another until `stop()`; seconds per view."""
    seconds = []
    for crm_id in itertools.cycle(crm_ids):
        if stop():
            return seconds
        began = time.perf_counter()
        panel_view(server, launch(server, workspace, crm_id, "quiet-rep"))
        seconds.append(time.perf_counter() - began)
    return seconds


class Searchers:
    """Reps of the slow workspace searching from their contact panels, in parallel."""

    def __init__(self, server: Server, workspace, count: int, same_terms: bool = False):
        self.server = server
        self.same_terms = same_terms
        self.browsers = [
            launch(server, workspace, f"slow-{n}", f"slow-rep-{n}")[1] for n in range(count)
        ]
        self.outcomes: Counter[str] = Counter()
        self.seconds: list[float] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._search, args=(n, b)) for n, b in enumerate(self.browsers)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def _search(self, number: int, browser) -> None:
        for attempt in itertools.count():
            if self._stop.is_set():
                return
            # never cached: every search asks Xero (with --same-terms, the reps search for the
            # same words at about the same time: one asks Xero, the others wait for its answer)
            term = f"zq{attempt}" if self.same_terms else f"zq{number}x{attempt}"
            began = time.perf_counter()
            try:
                answer = browser.get(f"{self.server.url}/contact/search", params={"q": term},
                                     timeout=60)  # fmt: skip
                outcome = {200: "answered", 503: "busy (503)"}.get(answer.status_code)
                outcome = outcome or f"status {answer.status_code}"
                wait = float(answer.headers.get("Retry-After") or 0)
            except Exception as exc:  # noqa: BLE001 (counted, the run goes on)
                outcome, wait = type(exc).__name__, 1.0
            with self._lock:
                self.outcomes[outcome] += 1
                self.seconds.append(time.perf_counter() - began)
            self._stop.wait(wait)


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--seconds", type=float, default=15.0, help="length of each phase")
    options.add_argument("--searchers", type=int, default=SEARCHERS)
    options.add_argument("--latency-ms", type=int, default=SLOW_MS)
    options.add_argument("--threads", type=int, default=THREADS, help="gunicorn threads")
    options.add_argument(
        "--same-terms", action="store_true", help="the slow workspace's reps search alike"
    )
    args = options.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-fairness-") as temp:
        server, env = start_server(Path(temp), args.threads)
        try:
            return _run(server, _with_env(env), args)
        finally:
            server.process.terminate()
            server.process.wait(timeout=20)


def _run(server: Server, app, args) -> int:
    sandbox = app.extensions["sandbox"]
    quiet = connect(server, app, "ws-quiet", QUIET_ORG)
    slow = connect(server, app, "ws-slow", SLOW_ORG)
    quiet_ids = _linked_panels(server, app, quiet, sandbox.find_org(QUIET_ORG).tenant_id)
    timed_views(server, quiet, quiet_ids, _after(len(quiet_ids)))  # warm: figures cached

    idle = timed_views(server, quiet, quiet_ids, _until(time.monotonic() + args.seconds))
    searchers = Searchers(server, slow, args.searchers, args.same_terms)
    sandbox.faults.set(SLOW_ORG, latency_ms=args.latency_ms)
    calls_before = len(server.meter())
    try:
        searchers.start()
        time.sleep(1.0)  # the searches are under way
        busy = timed_views(server, quiet, quiet_ids, _until(time.monotonic() + args.seconds))
    finally:
        searchers.stop()
        sandbox.faults.clear(SLOW_ORG)
    calls = Counter(call["status"] for call in server.meter()[calls_before:])

    idle_median, busy_median = statistics.median(idle), statistics.median(busy)
    ratio = busy_median / idle_median
    print(f"Fairness benchmark (gunicorn: 1 worker, {args.threads} threads, built-in sandbox; "
          f"slow: {SLOW_ORG} at {args.latency_ms} ms a call, {args.searchers} reps searching "
          f"in parallel; quiet: {QUIET_ORG}, {len(quiet_ids)} linked contact panels)")  # fmt: skip
    print(f"  {'quiet workspace panel view':<28} {'idle':>10} {'busy':>10}")
    for name, pick in (("median (s)", statistics.median), ("p90 (s)", _p90), ("max (s)", max)):
        print(f"  {name:<28} {pick(idle):>10.3f} {pick(busy):>10.3f}")
    print(f"  {'views':<28} {len(idle):>10} {len(busy):>10}")
    outcomes = ", ".join(f"{name} {count}" for name, count in sorted(searchers.outcomes.items()))
    print(f"  slow workspace searches: {outcomes}; median answer "
          f"{statistics.median(searchers.seconds or [0]):.2f} s")  # fmt: skip
    print(f"  Xero calls while busy (by status): "
          f"{', '.join(f'{s}: {n}' for s, n in sorted(calls.items())) or 'none'}")  # fmt: skip
    print(f"fairness: idle_median_s={idle_median:.3f} busy_median_s={busy_median:.3f} "
          f"ratio={ratio:.2f}")  # fmt: skip
    return 0 if ratio <= 2 else 1


def _linked_panels(server: Server, app, workspace, tenant_id: str, count: int = 6) -> list[str]:
    crm_ids = []
    for index, contact_id in enumerate(owing_contacts(app, tenant_id, count)):
        crm_id = f"quiet-{index}"
        _, browser = launch(server, workspace, crm_id, "quiet-rep")
        answer = browser.post(f"{server.url}/contact/link", data={"xero_contact_id": contact_id})
        if answer.status_code != 200:
            raise RuntimeError(f"link answered {answer.status_code}")
        crm_ids.append(crm_id)
    return crm_ids


def _until(deadline: float):
    return lambda: time.monotonic() >= deadline


def _after(views: int):
    counter = itertools.count()
    return lambda: next(counter) >= views


def _p90(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


if __name__ == "__main__":
    raise SystemExit(main())
