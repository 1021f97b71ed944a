"""Fault soak of the drafts' exactly-once creation: reps create quotes, invoices and bills with
double clicks and retries while Xero misbehaves, then every form is accounted for against the
documents the sandbox stored.

Run: `.venv/bin/python -m bench.soak` (5 minutes; `--seconds 90` for a shorter run).

- The widget: gunicorn, 3 workers (gthread), on PostgreSQL (127.0.0.1:5432, database `test`, a
  schema of its own, dropped afterwards); Xero's timeout `--timeout` (2 s).
- Xero: the built-in sandbox in a gunicorn of its own with ONE worker (the sandbox counts its
  per-organisation limits in its process, so one process keeps them true; the widget's workers
  reach it by XERO_SANDBOX_URL). Its minute and day limits are raised so the run is not a
  rate-limit test; the concurrent limit stays Xero's 5 (a source of 429s of its own).
- Faults: each second the sandbox is switched to clean or to one of: every call a 500/503
  (nothing saved), latency past the widget's timeout, or every write saved and then answered
  500/503 or too late (commit then fail); `--fault-share` (30%) of the seconds are faulty, in
  shuffled blocks of ten. (The sandbox's faults are per organisation, not per call, hence by
  time; the share of Xero calls that failed is printed too.)
- Reps (`--reps`, 6): open a form, fill it (a unique reference; some pairs of forms on one contact
  are identical twins), press Create; 30% of presses are double clicks; after a 503/429/409 they
  press again after a pause (now and then with a price edited, or after a long pause past the key
  window with `--short-memory`). When the time is up, faults are cleared and every form not yet
  shown as created is pressed until it is.
- Meanwhile someone in Xero approves invoices and bills and sends quotes of the run (up to three
  drafts every half second), so a retry may have to find what its first press made in any status.
- Accounting: each form's answers must name one document; the sandbox's documents with the run's
  references are matched to forms: a document no form holds, or one named by two forms, is a
  duplicate; a form without its document is lost. Any 5xx other than our 503 counts as a 500.
Last line: `soak: forms=N created=C duplicates=0 lost=0 500s=0`. Exit status 1 unless all zero.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench.contact_panel import (
    ORG,
    ROOT,
    Server,
    _environment,
    _free_port,
    _migrate,
    _with_env,
    connect,
    launch,
)

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
KINDS = ("quote", "invoice", "bill")
CREDENTIALS = ("sandbox-client", "sandbox-secret")
CLEAN = {
    "latency_ms": 0,
    "error_rate": 0.0,
    "force_429": 0,
    "commit_then_fail": None,
    "commit_then_fail_count": 0,
    "timeout_ms": 0,
}


def soak_app():
    """The product app with the Xero meter, and the drafts' key window from the environment
    (SOAK_KEY_WINDOW_SECONDS), so a short soak can also cross it."""
    from bench.contact_panel import bench_app

    app = bench_app()
    window = os.environ.get("SOAK_KEY_WINDOW_SECONDS")
    if window:
        app.config["DRAFTS_KEY_WINDOW_SECONDS"] = int(window)
    return app


# --- servers -------------------------------------------------------------------------------------


def _gunicorn(env: dict, port: int, workers: int, threads: int) -> Server:
    import requests

    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", str(threads),
        "--timeout", "60",
        # reps pause up to ~25 s between presses: a connection gunicorn closes (default after
        # 2 s idle) just as the next POST goes out is a dropped press, not the widget's doing
        "--keep-alive", "30",
        "--log-level", "warning",
        "bench.soak:soak_app()",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 (our own command line)
    server = Server(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{server.url}/healthz", timeout=5).status_code == 200:
                return server
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start within 30 s")


def _schema(name: str, create: bool) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(POSTGRES)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
            if create:
                connection.execute(text(f"CREATE SCHEMA {name}"))
    finally:
        engine.dispose()


# --- faults --------------------------------------------------------------------------------------


@dataclass
class FaultDriver:
    """Switches the sandbox's faults for the organisation once a second, at random."""

    sandbox_url: str
    share: float
    timeout: float
    seed: int
    phases: Counter = field(default_factory=Counter)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        """Blocks of ten phases: in each, `share` of them faulty (one kind after another, so the
        kinds come equally often), the rest clean, in a shuffled order."""
        chooser = random.Random(self.seed)
        late_ms = int(self.timeout * 1000) + 800
        kinds = ("errors", "latency", "commit_then_fail")
        deck: list[str] = []
        while not self._stop.is_set():
            if not deck:
                faulty = round(10 * self.share)
                deck = [kinds[(len(self.phases) + i) % 3] for i in range(faulty)]
                deck += ["clean"] * (10 - faulty)
                chooser.shuffle(deck)
            name = deck.pop()
            settings = {
                "clean": {},
                "errors": {"error_rate": 1.0, "seed": chooser.randrange(1 << 30)},
                "latency": {"latency_ms": late_ms},
                "commit_then_fail": {
                    "commit_then_fail": chooser.choice(("500", "503", "timeout")),
                    "commit_then_fail_count": -1,
                    "timeout_ms": late_ms,
                },
            }[name]
            self._set(settings)
            self.phases[name] += 1
            self._stop.wait(1.0)

    def stop(self) -> None:
        self._stop.set()
        self._set({})

    def _set(self, settings: dict) -> None:
        import requests

        # every setting given (none left over from the last phase), without deleting the row:
        # a delete racing a call's fault check makes the sandbox itself fail
        body = {"org": ORG, **CLEAN, **settings}
        for _attempt in range(5):
            try:
                answer = requests.post(
                    f"{self.sandbox_url}/sandbox/xero/_control/faults",
                    json=body,
                    auth=CREDENTIALS,
                    timeout=10,
                )
                if answer.status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("the sandbox refused a fault setting")


# --- someone working in Xero meanwhile ----------------------------------------------------------

MOVED_ON = {"ACCREC": "AUTHORISED", "ACCPAY": "AUTHORISED", None: "SENT"}


@dataclass
class XeroUser:
    """Approves invoices and bills and sends quotes of the run in Xero while reps still press:
    what the first press created may no longer be a draft when a retry looks for it."""

    app: object
    tenant_id: str
    run: str
    seed: int
    moved: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def run_until_stopped(self) -> None:
        chooser = random.Random(self.seed)
        while not self._stop.wait(0.5):
            try:
                self._move_some(chooser)
            except Exception:  # noqa: BLE001 (the sandbox's SQLite was busy: try again soon)
                continue

    def stop(self) -> None:
        self._stop.set()

    def _move_some(self, chooser: random.Random) -> None:
        import json

        from sqlalchemy import select

        from widget.sandbox.documents import save
        from widget.sandbox.models import Document
        from widget.sandbox.serialise import ms_date

        box = self.app.extensions["sandbox"]
        with box.sessions() as session, session.begin():
            rows = session.scalars(
                select(Document).where(
                    Document.tenant_id == self.tenant_id,
                    Document.kind.in_(("invoice", "quote")),
                    Document.status == "DRAFT",
                )
            ).all()
            bodies = [(row.kind, json.loads(row.body)) for row in rows]
            ours = [
                (kind, body)
                for kind, body in bodies
                if (body.get("Reference") or body.get("InvoiceNumber") or "").startswith(
                    f"soak-{self.run}-"
                )
            ]
            for kind, body in chooser.sample(ours, min(3, len(ours))):
                body["Status"] = MOVED_ON[body.get("Type")]
                body["UpdatedDateUTC"] = ms_date(box.clock.now())
                if kind == "invoice" and not body.get("DueDate"):
                    body["DueDate"], body["DueDateString"] = body["Date"], body["DateString"]
                save(session, self.tenant_id, kind, body, box.clock.now())
                self.moved += 1


# --- reps ----------------------------------------------------------------------------------------


@dataclass
class Form:
    rep: int
    kind: str
    reference: str
    post: object  # tests.drafts.support.DraftPost
    twin: bool = False
    created: set[str] = field(default_factory=set)  # the documents its answers named
    presses: int = 0


@dataclass
class Tally:
    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)  # presses that got no HTTP answer
    lock: threading.Lock = field(default_factory=threading.Lock)

    def failed(self, exc: Exception) -> None:
        with self.lock:
            self.failures[f"{type(exc).__name__}: {str(exc)[:160]}"] += 1

    def count(self, status: int) -> None:
        with self.lock:
            self.statuses[status] += 1

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500 and status != 503)


class Rep:
    def __init__(self, number: int, server: Server, workspace, contact_id: str, args, tally):
        self.number, self.server, self.args, self.tally = number, server, args, tally
        self.random = random.Random(args.seed * 1000 + number)
        _page, self.browser = launch(server, workspace, f"soak-crm-{number}")
        answer = self.browser.post(
            f"{server.url}/contact/link", data={"xero_contact_id": contact_id}, timeout=30
        )
        if answer.status_code != 200:
            raise RuntimeError(f"link answered {answer.status_code}")
        self.forms: list[Form] = []

    def work(self, stop_at: float) -> None:
        while time.monotonic() < stop_at:
            twin = self.random.random() < 0.15
            forms = [self._open(twin=twin)] + ([self._open(twin=True)] if twin else [])
            if forms[0] is None or (twin and forms[1] is None):
                time.sleep(0.5)
                continue
            if twin:  # the same content on one contact, twice: two documents
                forms[1].reference = forms[0].reference
                forms[1].post.header["reference"] = forms[0].reference
                forms[1].post.lines = [dict(line) for line in forms[0].post.lines]
                forms[1].kind = forms[0].kind
            for form in forms:
                self.forms.append(form)
                self._until_created(form, stop_at)

    def settle(self) -> None:
        """After the run (faults cleared): press every form not yet shown as created."""
        for form in self.forms:
            deadline = time.monotonic() + 60
            while not form.created and time.monotonic() < deadline:
                self._press(form)
                if not form.created:
                    time.sleep(0.5)

    def _open(self, *, twin: bool) -> Form | None:
        from tests.drafts.support import DraftPost

        kind = self.random.choice(KINDS)
        page = self.browser.get(f"{self.server.url}/drafts/{kind}/new", timeout=30)
        self.tally.count(page.status_code)
        if page.status_code != 200:
            return None
        post = DraftPost.read(kind, page.text)
        reference = f"soak-{self.args.run}-{self.number}-{secrets.token_hex(4)}"
        post.set(reference=reference)
        price = f"{self.random.randint(1, 500)}.{self.random.randint(0, 99):02d}"
        post.with_lines({"description": "Soak", "quantity": "2", "unit_amount": price})
        return Form(self.number, kind, reference, post, twin)

    def _until_created(self, form: Form, stop_at: float) -> None:
        while not form.created and time.monotonic() < stop_at:
            status, retry_after = self._press(form, double=self.random.random() < 0.3)
            if form.created:
                return
            pause = min(float(retry_after or 0), 3.0) + self.random.uniform(0.2, 1.5)
            if self.args.short_memory and self.random.random() < 0.1:
                pause += self.args.key_window + 5  # the rep comes back after the key window
            if self.random.random() < 0.15:  # the rep changes a price before pressing again
                line = form.post.lines[0]
                line["unit_amount"] = f"{self.random.randint(1, 500)}.00"
            time.sleep(min(pause, max(0.0, stop_at - time.monotonic())))

    def _press(self, form: Form, double: bool = False) -> tuple[int, str | None]:
        from tests.drafts.support import CREATED_ID, DraftPost

        answers: list = []

        def press() -> None:
            try:
                answers.append(
                    self.browser.post(
                        f"{self.server.url}/drafts/{form.kind}", data=form.post.data(), timeout=60
                    )
                )
            except Exception as exc:  # noqa: BLE001 (a dropped connection counts as a 5xx)
                answers.append(exc)

        threads = [threading.Thread(target=press) for _ in range(2 if double else 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        form.presses += len(threads)
        status, retry_after = 0, None
        for answer in answers:
            if isinstance(answer, Exception):
                self.tally.count(599)
                self.tally.failed(answer)
                continue
            self.tally.count(answer.status_code)
            status, retry_after = answer.status_code, answer.headers.get("Retry-After")
            if answer.status_code == 200:
                form.created.update(CREATED_ID.findall(answer.text)[:1])
            elif "HX-Retarget" not in answer.headers and "<form" in answer.text:
                kept = DraftPost.read(form.kind, answer.text)  # the form as the answer shows it
                if kept.lines:
                    form.post = kept
        return status, retry_after


# --- accounting ----------------------------------------------------------------------------------


def account(app, tenant_id: str, run: str, forms: list[Form]) -> dict[str, int]:
    """Every form against the documents the sandbox stored under the run's references."""
    import json

    from sqlalchemy import select

    from widget.sandbox.models import Document

    with app.extensions["sandbox"].sessions() as session:
        bodies = session.scalars(
            select(Document.body).where(
                Document.tenant_id == tenant_id, Document.kind.in_(("invoice", "quote"))
            )
        ).all()
    stored: dict[str, set[str]] = defaultdict(set)
    for body in map(json.loads, bodies):
        reference = body.get("Reference") or body.get("InvoiceNumber") or ""
        if reference.startswith(f"soak-{run}-"):
            stored[reference].add(body.get("QuoteID") or body["InvoiceID"])
    by_reference: dict[str, list[Form]] = defaultdict(list)
    for form in forms:
        by_reference[form.reference].append(form)
    duplicates = lost = 0
    named = Counter(doc for form in forms for doc in form.created)
    for reference, group in by_reference.items():
        documents = stored.get(reference, set())
        held = set()
        for form in group:
            mine = form.created & documents
            if len(form.created) > 1:
                duplicates += len(form.created) - 1  # one form shown two documents
            if not mine:
                lost += 1
            held |= mine
        duplicates += len(documents - held)  # documents no form holds
    duplicates += sum(n - 1 for n in named.values() if n > 1)  # one document, two forms
    orphans = set(stored) - set(by_reference)
    duplicates += sum(len(stored[r]) for r in orphans)
    created = len({doc for form in forms for doc in form.created})
    return {"forms": len(forms), "created": created, "duplicates": duplicates, "lost": lost}


# --- the run -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--seconds", type=float, default=300, help="length of the faulty run")
    options.add_argument("--reps", type=int, default=6, help="simulated reps")
    options.add_argument("--fault-share", type=float, default=0.3, help="share of faulty time")
    options.add_argument("--timeout", type=float, default=2.0, help="the widget's Xero timeout")
    options.add_argument("--seed", type=int, default=12)
    options.add_argument(
        "--short-memory",
        action="store_true",
        help="Xero forgets keys after 20 s and the key window is 15 s, so retries cross it",
    )
    args = options.parse_args(argv)
    args.run = secrets.token_hex(3)
    args.key_window = 15 if args.short_memory else 300
    schema = f"soak_{os.getpid()}"
    _schema(schema, create=True)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-soak-") as temp:
            return _run(Path(temp), schema, args)
    finally:
        _schema(schema, create=False)


def _run(folder: Path, schema: str, args) -> int:
    sandbox_port, widget_port = _free_port(), _free_port()
    env = _environment(folder, sandbox_port)
    env.update(
        DATABASE_URL=f"{POSTGRES}?options=-csearch_path%3D{schema}",
        XERO_TIMEOUT_SECONDS=str(args.timeout),
        LOG_LEVEL="ERROR",
        SANDBOX_MINUTE_LIMIT="100000",
        SANDBOX_DAILY_LIMIT="10000000",
        SANDBOX_APP_MINUTE_LIMIT="1000000",
    )
    if args.short_memory:
        env.update(SANDBOX_IDEMPOTENCY_SECONDS="20", SOAK_KEY_WINDOW_SECONDS="15")
    _migrate(env)
    app = _with_env(env)
    tenant_id = app.extensions["sandbox"].find_org(ORG).tenant_id  # seeds the sandbox once
    processes = []
    try:
        sandbox = _gunicorn(env, sandbox_port, workers=1, threads=16)
        processes.append(sandbox.process)
        widget = _gunicorn(env, widget_port, workers=3, threads=4)
        processes.append(widget.process)
        return _soak(widget, sandbox, app, tenant_id, args)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


def _soak(widget: Server, sandbox: Server, app, tenant_id: str, args) -> int:
    workspace = connect(widget, app, tenant_id)
    contacts = _customers(app, tenant_id, args.reps)
    tally = Tally()
    reps = [Rep(n, widget, workspace, contacts[n], args, tally) for n in range(args.reps)]
    driver = FaultDriver(sandbox.url, args.fault_share, args.timeout, args.seed)
    faults = threading.Thread(target=driver.run, daemon=True)
    xero_user = XeroUser(app, tenant_id, args.run, args.seed)
    approving = threading.Thread(target=xero_user.run_until_stopped, daemon=True)
    approving.start()
    began = time.monotonic()
    stop_at = began + args.seconds
    faults.start()
    workers = [threading.Thread(target=rep.work, args=(stop_at,)) for rep in reps]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    driver.stop()
    faults.join(timeout=5)
    xero_user.stop()
    approving.join(timeout=10)
    settle = [threading.Thread(target=rep.settle) for rep in reps]
    for thread in settle:
        thread.start()
    for thread in settle:
        thread.join()
    forms = [form for rep in reps for form in rep.forms]
    result = account(app, tenant_id, args.run, forms)
    calls = sandbox.meter()
    xero_statuses = Counter(call["status"] for call in calls)
    presses = sum(form.presses for form in forms)
    phases = sum(driver.phases.values()) or 1
    faulty = 1 - driver.phases["clean"] / phases
    print(
        f"Fault soak: widget gunicorn 3 workers (gthread) on PostgreSQL, sandbox in its own "
        f"1-worker gunicorn; {args.reps} reps for {args.seconds:g} s; Xero timeout "
        f"{args.timeout:g} s; key window {args.key_window} s"
        + (" (Xero forgets keys after 20 s)" if args.short_memory else "")
    )
    print(
        f"  faults: {faulty:.0%} of {phases} one-second phases faulty "
        f"({', '.join(f'{k} {v}' for k, v in sorted(driver.phases.items()))})"
    )
    print(
        f"  presses {presses}, twins {sum(form.twin for form in forms)}, approved or sent in "
        f"Xero meanwhile {xero_user.moved}; widget answers: "
        + ", ".join(f"{status} x{n}" for status, n in sorted(tally.statuses.items()))
    )
    failed = sum(n for status, n in xero_statuses.items() if status >= 429)
    lookups = sum(
        1
        for call in calls
        if call["method"] == "GET"
        and call["path"] in ("Invoices", "Quotes")
        and any(mark in call["query"] for mark in ("Date%3D%3D", "Date==", "DateFrom"))
    )
    print(
        f"  Xero calls {len(calls)} ({failed / max(len(calls), 1):.0%} answered with an error; "
        f"late answers not counted; {lookups} lookups after a key window): "
        + ", ".join(f"{status} x{n}" for status, n in sorted(xero_statuses.items()))
    )
    for failure, n in tally.failures.items():
        print(f"  no answer x{n}: {failure}")
    print(
        f"soak: forms={result['forms']} created={result['created']} "
        f"duplicates={result['duplicates']} lost={result['lost']} 500s={tally.server_errors}"
    )
    ok = result["duplicates"] == 0 and result["lost"] == 0 and tally.server_errors == 0
    return 0 if ok else 1


def _customers(app, tenant_id: str, count: int) -> list[str]:
    """Active Xero contacts, one per rep (a rep's twins share theirs)."""
    import json

    from sqlalchemy import select

    from widget.sandbox.models import Document

    with app.extensions["sandbox"].sessions() as session:
        bodies = session.scalars(
            select(Document.body).where(Document.tenant_id == tenant_id, Document.kind == "contact")
        ).all()
    active = sorted((json.loads(body) for body in bodies), key=lambda contact: contact["Name"])
    ids = [c["ContactID"] for c in active if c.get("ContactStatus") == "ACTIVE"]
    return ids[:count]


if __name__ == "__main__":
    raise SystemExit(main())
