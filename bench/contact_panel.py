"""Benchmark of the contact panel: Xero calls and bytes per cold and warm view, and warm-panel
throughput against a hello-world endpoint served by the same gunicorn in the same run.

Run: `.venv/bin/python -m bench.contact_panel` (loopback only; about 20 seconds).

It starts gunicorn (1 worker, gthread) on a free 127.0.0.1 port on PostgreSQL (a schema of its
own) and Redis (a key prefix of its own), or a temporary SQLite database with --sqlite, and a
sandbox database, creates a workspace, connects it to the sandbox's NZ organisation (the
sandbox grants consent without a browser; the widget stores the connection as its callback does),
links CRM contacts to Xero contacts with outstanding documents, and measures:
- Xero calls and response bytes per panel view, counted where the sandbox answers (`XeroMeter`):
  connecting and the first sync, the organisation's first view, cold views (a contact not viewed
  before), warm views (viewed before);
- throughput as requests/s with several concurrent clients, divided by the requests/s of
  GET /bench/hello on the same server in the same run. The targets take turns in 10 short rounds
  and the ratio is the median of the rounds' ratios, so other work on a shared machine (which
  comes and goes) weighs on all alike; the ratio over all rounds is printed beside it.
The panels are measured once the organisation mirror's first sync (queued by connecting; run by
a worker process with Redis, inside gunicorn without) is complete, and no freshness sync runs
meanwhile (MIRROR_FRESHNESS_SECONDS=3600): every Xero call counted after it is a panel's.
Throughput: hello, launch + warm panel (a new token per request, what a CRM does) and session
reload, side by side in one run.
Goals (issues 4, 10): 0 Xero calls cold and warm once the mirror is complete; launch ratio at
least 0.35 of hello, reload ratio at least 0.6. Exit status 1 if one is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SANDBOX_API_PREFIX = "/sandbox/xero/api.xero.com/api.xro/2.0/"
METER_PATH = "/__bench/xero-meter"


@dataclass(frozen=True)
class XeroCall:
    method: str
    path: str
    query: str
    status: int
    bytes: int


class XeroMeter:
    """WSGI middleware around the app: records every Accounting API call the built-in sandbox
    answers (method, path, status, response body bytes) — what Xero would count and bill.

    `GET /__bench/xero-meter` answers the calls so far as JSON (for a benchmark talking to another
    process); tests read `calls` directly.
    """

    #: how long `since` waits for calls whose answers are sent but not yet recorded
    SETTLE_SECONDS = 2.0

    def __init__(self, app):
        self.app = app
        self._lock = threading.Condition()
        self._calls: list[XeroCall] = []
        self._open = 0  # calls answered or being answered, not yet recorded

    @property
    def calls(self) -> list[XeroCall]:
        with self._lock:
            return list(self._calls)

    def mark(self) -> int:
        """A position to measure from: `since(mark)` gives the calls made after it."""
        with self._lock:
            return len(self._calls)

    def since(self, mark: int) -> list[XeroCall]:
        """The calls after `mark`, once those in progress are recorded: the client may read an
        answer before the server has closed it (which is when a call is recorded)."""
        with self._lock:
            self._lock.wait_for(lambda: self._open == 0, timeout=self.SETTLE_SECONDS)
            return self._calls[mark:]

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == METER_PATH:
            return self._report(start_response)
        if not path.startswith(SANDBOX_API_PREFIX):
            return self.app(environ, start_response)
        status: list[str] = []
        with self._lock:
            self._open += 1

        def recording_start(code, headers, exc_info=None):
            status.append(code)
            return start_response(code, headers, exc_info)

        try:
            body = self.app(environ, recording_start)
        except BaseException:
            self._record(environ, status or ["500"], 0)
            raise
        return _Counted(body, lambda size: self._record(environ, status, size))

    def _record(self, environ, status: list[str], size: int) -> None:
        call = XeroCall(
            environ.get("REQUEST_METHOD", ""),
            environ.get("PATH_INFO", "")[len(SANDBOX_API_PREFIX) :],
            environ.get("QUERY_STRING", ""),
            int(status[0].split()[0]) if status else 0,
            size,
        )
        with self._lock:
            self._calls.append(call)
            self._open -= 1
            self._lock.notify_all()

    def _report(self, start_response):
        calls = [call.__dict__ for call in self.calls]
        body = json.dumps({"calls": calls}).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]


class _Counted:
    """A response body that reports its size once the server has sent (or dropped) it."""

    def __init__(self, body, done):
        self._body = body
        self._done = done
        self._size = 0

    def __iter__(self):
        for chunk in self._body:
            self._size += len(chunk)
            yield chunk

    def close(self):
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._done(self._size)


# --- the app gunicorn serves ---------------------------------------------------------------------


def bench_app():
    """The product app, plus what only the benchmark needs: the Xero meter around it and a
    hello-world route to compare with. Both are added here, never in `create_app`, so the
    product serves neither; the hello route goes through the same Flask stack (access check,
    security headers) as the panel, which makes it the fair baseline. /healthz is not one: it
    queries the database."""
    from widget import create_app
    from widget.auth.access import public

    app = create_app()

    @public
    def hello():
        return "hello, world"

    app.add_url_rule("/bench/hello", "bench_hello", hello)
    app.wsgi_app = XeroMeter(app.wsgi_app)
    return app


# --- running it ----------------------------------------------------------------------------------

ORG = "Demo Company (NZ)"
SESSION = re.compile(r'<meta name="widget-session" content="([^"]+)"')


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Backends:
    """Where the served app keeps its state: SQLite alone (the default), or PostgreSQL in a
    schema of its own plus Redis under a key prefix of its own (both cleaned up afterwards)."""

    database_url: str | None = None
    redis_url: str | None = None
    redis_prefix: str = ""


def _environment(folder: Path, port: int, backends: Backends = Backends()) -> dict[str, str]:
    from cryptography.fernet import Fernet

    env = dict(os.environ)
    for name in ("XERO_CLIENT_ID", "XERO_CLIENT_SECRET", "REDIS_URL", "REDIS_KEY_PREFIX"):
        env.pop(name, None)
    if backends.redis_url:
        env.update(REDIS_URL=backends.redis_url, REDIS_KEY_PREFIX=backends.redis_prefix,
                   JOB_QUEUE=f"{backends.redis_prefix}jobs")  # fmt: skip
    env.update(
        DATABASE_URL=backends.database_url or f"sqlite:///{folder / 'widget.sqlite3'}",
        SANDBOX_DATABASE_URL=f"sqlite:///{folder / 'sandbox.sqlite3'}",
        SECRET_KEY="bench-secret-key",
        TOKEN_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        XERO_SANDBOX_URL=f"http://127.0.0.1:{port}/sandbox/xero",
        LOG_LEVEL="WARNING",
        # the mirror's first sync at full speed, and no freshness sync while measuring: every
        # Xero call the meter counts after the first sync is then a panel's
        SANDBOX_MINUTE_LIMIT="100000",
        MIRROR_SYNC_CALLS_PER_MINUTE="100000",
        MIRROR_FRESHNESS_SECONDS="3600",
        PYTHONPATH=str(ROOT),
    )
    return env


@dataclass
class Server:
    url: str
    process: subprocess.Popen

    def meter(self) -> list[dict]:
        import requests

        return requests.get(f"{self.url}{METER_PATH}", timeout=10).json()["calls"]


def start_server(
    folder: Path, threads: int, backends: Backends = Backends()
) -> tuple[Server, dict[str, str]]:
    port = _free_port()
    env = _environment(folder, port, backends)
    _migrate(env)
    return serve_with_gunicorn("bench.contact_panel:bench_app()", port, env, threads), env


def serve_with_gunicorn(app_spec: str, port: int, env: dict[str, str], threads: int) -> Server:
    """gunicorn (1 worker, gthread) serving `app_spec` on the port, once /healthz answers."""
    import requests

    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "--bind", f"127.0.0.1:{port}",
        "--workers", "1",
        "--worker-class", "gthread",
        "--threads", str(threads),
        "--log-level", "warning",
        app_spec,
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 (our own command line)
    server = Server(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{server.url}/healthz", timeout=5).status_code == 200:
                return server
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("gunicorn did not start within 20 s")


def start_worker(env: dict[str, str], folder: Path) -> subprocess.Popen | None:
    """With Redis, background jobs (the mirror's syncs) run in a worker process, as deployed:
    `flask --app wsgi widget worker`. Without Redis they run inside gunicorn (None here)."""
    if not env.get("REDIS_URL"):
        return None
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "widget", "worker"]
    log = (folder / "worker.log").open("w")  # RQ's own chatter: kept out of the figures
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)  # noqa: S603


def wait_for_mirror(app, workspace_id: str, tenant_id: str, timeout: float = 300) -> float:
    """Seconds until the organisation mirror's first sync is complete (read straight from its
    row: this process hears no invalidations without Redis). Panels read Xero per contact
    until then, and the sync's own Xero calls would be counted as the panels'."""
    from widget.mirror.models import MirrorState

    began = time.monotonic()
    while time.monotonic() - began < timeout:
        with app.extensions["db_sessionmaker"]() as session:
            state = session.get(MirrorState, (workspace_id, tenant_id))
            if state is not None and state.first_sync_completed_at is not None:
                return time.monotonic() - began
        time.sleep(0.25)
    raise RuntimeError(f"the mirror's first sync did not complete within {timeout:g} s")


def _migrate(env: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603
        [sys.executable, "-c", "from widget import create_app; from widget.db import migrate; "
         "migrate(create_app())"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip


def _with_env(env: dict[str, str]):
    """An app object on the benchmark's databases, for setup reads and writes in this process."""
    saved = dict(os.environ)
    os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
    try:
        from widget import create_app

        return create_app()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def connect(server: Server, app, tenant_id: str) -> tuple[str, str]:
    """A workspace connected to the organisation: an admin launches the admin panel, the sandbox
    grants consent (as its consent page would, without a browser) and the widget stores the
    connection the way its consent callback does (`lifecycle.connect`)."""
    import requests

    from widget.auth.launch import sign_launch_token
    from widget.auth.users import find_by_crm_id
    from widget.auth.workspaces import create_workspace
    from widget.connection import lifecycle
    from widget.db import get_session
    from widget.xero import TokenSet, XeroOAuth

    with app.app_context():
        workspace, secret = create_workspace(
            get_session(), "Bench CRM", ["https://crm.example.com"], "ws-bench"
        )
        get_session().commit()
        workspace_id = workspace.id
    admin = {"id": "bench-admin", "name": "Bench Admin", "admin": True}
    token = sign_launch_token(
        workspace_id, secret, user=admin, record={"type": "none"}, panel="admin"
    )
    if requests.get(f"{server.url}/admin", params={"token": token}, timeout=10).status_code != 200:
        raise RuntimeError("the admin panel did not open")
    with app.app_context():
        user_id = find_by_crm_id(get_session(), workspace_id, "bench-admin").id
        consent = app.extensions["sandbox"].token(ORG)
        tokens = TokenSet.from_token_response(consent.response())
        organisations = XeroOAuth.from_config(app.config).connections(tokens.access_token)
        chosen = next(org for org in organisations if org.tenant_id == tenant_id)
        lifecycle.connect(workspace_id, user_id, tokens, chosen)
    return workspace_id, secret


def connected_and_mirrored(server: Server, app, tenant_id: str) -> tuple[tuple[str, str], float]:
    """`connect`, then wait for the first sync that connecting queued; (workspace, seconds)."""
    workspace = connect(server, app, tenant_id)
    return workspace, wait_for_mirror(app, workspace[0], tenant_id)


def owing_contacts(app, tenant_id: str, count: int) -> list[str]:
    """Xero contacts with outstanding invoices or bills: panels with figures to show."""
    owed = app.extensions["sandbox"].documents(tenant_id, "invoice", "AUTHORISED")
    ids = sorted({i["Contact"]["ContactID"] for i in owed if Decimal(i["AmountDue"]) > 0})
    return ids[:count]


def launch(server: Server, workspace: tuple[str, str], crm_id: str):
    """Open a contact panel as the CRM would; returns (first page, session for htmx requests)."""
    import requests

    from widget.auth.launch import sign_launch_token

    user = {"id": "bench-rep", "name": "Bench Rep", "admin": True}
    record = {"type": "contact", "id": crm_id, "name": f"Person {crm_id}"}
    token = sign_launch_token(*workspace, user=user, record=record, panel="contact")
    page = requests.get(f"{server.url}/contact", params={"token": token}, timeout=30)
    browser = requests.Session()
    browser.headers.update(
        {"X-Widget-Session": SESSION.search(page.text).group(1), "HX-Request": "true"}
    )
    return page, browser


@dataclass
class ViewCost:
    calls: int
    bytes: int
    endpoints: list[str]


def measured(server: Server, action) -> tuple[object, ViewCost]:
    before = len(server.meter())
    result = action()
    calls = server.meter()[before:]
    cost = ViewCost(len(calls), sum(c["bytes"] for c in calls), [c["path"] for c in calls])
    return result, cost


def panel_view(server: Server, page_and_browser) -> str:
    """What a browser does for one panel view: the page, then its figures when not inline."""
    page, browser = page_and_browser
    if 'hx-get="/contact/summary"' not in page.text:
        return page.text
    answer = browser.get(f"{server.url}/contact/summary", timeout=30)
    if answer.status_code != 200:
        raise RuntimeError(f"summary answered {answer.status_code}")
    return answer.text


@dataclass
class Throughput:
    rates: dict[str, float]  # requests/s over all rounds
    errors: dict[str, int]
    #: requests/s per round, for each target: rounds of different targets alternate (A, B, A,
    #: B…), so round i of each saw nearly the same background load on the machine
    rounds: dict[str, list[float]]

    def ratio(self, name: str, baseline: str) -> float:
        return self.rates[name] / self.rates[baseline] if self.rates[baseline] else 0.0

    def paired_ratio(self, name: str, baseline: str) -> float:
        """Median of the per-round ratios: robust to bursts of other work on a shared machine."""
        pairs = zip(self.rounds[name], self.rounds[baseline], strict=True)
        return statistics.median(a / b for a, b in pairs if b)


#: what a throughput client requests: a fixed (url, headers), or a function making a new one for
#: each request (a launch: a fresh token every time, as a CRM signs one per iframe load)
Target = tuple[str, dict] | Callable[[], tuple[str, dict]]


def throughput(
    targets: dict[str, Target], clients: int, seconds: float, rounds: int = 10
) -> Throughput:
    """Requests per second for each target, `clients` concurrent keep-alive clients, `seconds`
    per target split into `rounds` alternating rounds."""
    import requests

    sessions = [requests.Session() for _ in range(clients)]
    per_round: dict[str, list[float]] = {name: [] for name in targets}
    errors = {name: 0 for name in targets}
    totals = {name: [0, 0.0] for name in targets}
    lock = threading.Lock()
    for _ in range(rounds):
        for name, target in targets.items():
            make = target if callable(target) else (lambda target=target: target)
            began = time.monotonic()
            stop, done = began + seconds / rounds, [0]

            def run(session, make=make, name=name, stop=stop, done=done) -> None:
                ok = bad = 0
                while time.monotonic() < stop:
                    url, headers = make()
                    if session.get(url, headers=headers, timeout=30).status_code == 200:
                        ok += 1
                    else:
                        bad += 1
                with lock:
                    done[0] += ok
                    errors[name] += bad

            threads = [threading.Thread(target=run, args=(s,)) for s in sessions]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            spent = time.monotonic() - began
            per_round[name].append(done[0] / spent)
            totals[name][0] += done[0]
            totals[name][1] += spent
    rates = {name: count / spent for name, (count, spent) in totals.items()}
    return Throughput(rates, errors, per_round)


POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


@contextmanager
def shared_backends(use_sqlite: bool) -> Iterator[Backends]:
    """PostgreSQL (a schema of its own in the `test` database) and Redis (a key prefix of its
    own), dropped and deleted afterwards; or SQLite alone with `use_sqlite`."""
    if use_sqlite:
        yield Backends()
        return
    import redis
    from sqlalchemy import create_engine, text

    from widget.db import normalise_url

    schema = f"bench_contact_{os.getpid()}"
    admin = create_engine(normalise_url(POSTGRES_URL))
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    prefix = f"bench-contact-{os.getpid()}:"
    store = redis.Redis.from_url(REDIS_URL)
    try:
        yield Backends(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}", REDIS_URL, prefix)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()
        for key in store.scan_iter(match=prefix + "*", count=1000):
            store.delete(key)
        store.close()


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--contacts", type=int, default=8, help="panels to view cold and warm")
    options.add_argument("--clients", type=int, default=4, help="concurrent clients")
    options.add_argument("--seconds", type=float, default=6.0, help="per throughput run")
    options.add_argument("--threads", type=int, default=2, help="gunicorn threads (1 worker)")
    options.add_argument("--sqlite", action="store_true", help="SQLite alone, no Redis")
    args = options.parse_args(argv)

    with (
        tempfile.TemporaryDirectory(prefix="bench-contact-") as temp,
        shared_backends(args.sqlite) as backends,
    ):
        server, env = start_server(Path(temp), args.threads, backends)
        worker = start_worker(env, Path(temp))
        try:
            return _run(server, _with_env(env), args, backends)
        finally:
            for process in (server.process, worker):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=10)


def _run(server: Server, app, args, backends: Backends) -> int:
    import requests

    from widget.auth.launch import sign_launch_token

    tenant_id = app.extensions["sandbox"].find_org(ORG).tenant_id
    (workspace, first_sync_seconds), first_sync = measured(
        server, lambda: connected_and_mirrored(server, app, tenant_id)
    )
    contacts = owing_contacts(app, tenant_id, args.contacts)
    panels = []
    for index, contact_id in enumerate(contacts):
        page, browser = launch(server, workspace, f"crm-{index}")
        answer = browser.post(f"{server.url}/contact/link", data={"xero_contact_id": contact_id})
        if answer.status_code != 200:
            raise RuntimeError(f"link answered {answer.status_code}")
        panels.append(f"crm-{index}")

    cold = [measured(server, lambda c=crm: panel_view(server, launch(server, workspace, c)))[1]
            for crm in panels]  # fmt: skip
    warm = [measured(server, lambda c=crm: panel_view(server, launch(server, workspace, c)))[1]
            for crm in panels]  # fmt: skip
    first, steady = cold[0], cold[1:]

    page, browser = launch(server, workspace, panels[0])
    if 'data-figure="outstanding_invoices"' not in page.text:
        raise RuntimeError("the launched warm panel did not render its figures")
    panel_headers = dict(browser.headers)
    page = requests.get(f"{server.url}/contact", headers=panel_headers, timeout=30)
    if 'data-figure="outstanding_invoices"' not in page.text:
        raise RuntimeError("the reloaded warm panel did not render its figures")
    user = {"id": "bench-rep", "name": "Bench Rep", "admin": True}
    record = {"type": "contact", "id": panels[0], "name": f"Person {panels[0]}"}

    def fresh_launch() -> tuple[str, dict]:
        token = sign_launch_token(*workspace, user=user, record=record, panel="contact")
        return f"{server.url}/contact?token={token}", {}

    targets: dict[str, Target] = {
        "hello": (f"{server.url}/bench/hello", {}),
        "launch": fresh_launch,
        "reload": (f"{server.url}/contact", panel_headers),
    }
    result, cost = measured(server, lambda: throughput(targets, args.clients, args.seconds))
    rates = result.rates
    errors = sum(result.errors.values())
    launch_ratio = result.paired_ratio("launch", "hello")
    reload_ratio = result.paired_ratio("reload", "hello")
    where = "SQLite" if args.sqlite else "PostgreSQL + Redis"

    print("Contact panel benchmark (gunicorn: 1 worker, "
          f"{args.threads} threads; {where}; sandbox '{ORG}'; "
          f"{len(panels)} linked contacts)")  # fmt: skip
    print(f"  connecting and the mirror's first sync: {first_sync.calls} Xero calls, "
          f"{first_sync_seconds:.1f} s; panels measured once it was complete")  # fmt: skip
    print(f"  first view of the organisation : {first.calls} Xero calls, {first.bytes:,} bytes "
          f"({', '.join(sorted(first.endpoints)) or 'none'})")  # fmt: skip
    print(f"  cold panel view (not viewed before, read from the mirror): "
          f"max {max(c.calls for c in steady)} calls, mean "
          f"{statistics.mean(c.calls for c in steady):.1f} calls, "
          f"{statistics.mean(c.bytes for c in steady):,.0f} bytes "
          f"({', '.join(sorted(steady[0].endpoints)) or 'none'})")  # fmt: skip
    print(f"  warm panel view (viewed before): max {max(c.calls for c in warm)} calls, "
          f"{sum(c.bytes for c in warm)} bytes")  # fmt: skip
    print(f"  throughput, {args.clients} clients, {args.seconds:g} s each, 10 alternating rounds: "
          f"hello {rates['hello']:,.0f} req/s, launch + warm panel {rates['launch']:,.0f} req/s, "
          f"session reload {rates['reload']:,.0f} req/s; errors {errors}; "
          f"Xero calls meanwhile {cost.calls}")  # fmt: skip
    print(f"  ratios (median of the rounds' ratios; over all rounds in brackets): launch "
          f"{launch_ratio:.2f} ({result.ratio('launch', 'hello'):.2f}), reload "
          f"{reload_ratio:.2f} ({result.ratio('reload', 'hello'):.2f})")  # fmt: skip
    goals = {
        "cold 0 calls": max(c.calls for c in steady) == 0,
        "warm 0 calls": max(c.calls for c in warm) == 0 and cost.calls == 0,
        "launch ratio >= 0.35": launch_ratio >= 0.35,
        "reload ratio >= 0.6": reload_ratio >= 0.6,
    }
    print(
        "  goals: " + ", ".join(f"{name} {'OK' if ok else 'MISSED'}" for name, ok in goals.items())
    )
    return 0 if all(goals.values()) and not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
