"""Helpers for the contact-panel tests: a served app whose sandbox answers Xero (metered),
workspaces connected through the real consent flow, panels opened as a CRM would, and the
sandbox's own data read straight from its database (arithmetic that bypasses the widget)."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from html.parser import HTMLParser

import requests

from bench.contact_panel import XeroMeter
from tests.connection.support import Workspace, connect_organisation, new_workspace
from widget.auth.launch import sign_launch_token
from widget.auth.users import find_by_crm_id, set_access
from widget.cache import MemoryCache
from widget.connection.service import GOVERNOR_EXTENSION
from widget.db import get_session
from widget.xero.governor import Governor
from widget.xero.governor_store import MemoryGovernorStore

SESSION = re.compile(r'<meta name="widget-session" content="([^"]+)"')
NZ = "Demo Company (NZ)"
UK = "Demo Company (UK)"


class OffsetClock:
    """Real time plus an offset a test may move (the panel cache's clock): TTLs and Retry-After
    waits pass without sleeping."""

    def __init__(self):
        self.seconds = 0.0
        self.frozen: float | None = None

    def __call__(self) -> float:
        return self.frozen if self.frozen is not None else time.time() + self.seconds

    def advance(self, seconds: float) -> None:
        self.seconds += seconds
        if self.frozen is not None:
            self.frozen += seconds

    def freeze(self) -> None:
        """Stop time (a slow machine must not let a one-second wait run out mid-test)."""
        self.frozen = self()

    def thaw(self) -> None:
        self.frozen = None


@dataclass
class ContactServer:
    url: str
    app: object
    meter: XeroMeter
    cache_clock: OffsetClock

    @property
    def sandbox(self):
        return self.app.extensions["sandbox"]

    def org(self, name: str):
        return self.sandbox.find_org(name)

    def connected_workspace(self, org_name: str = NZ) -> Workspace:
        workspace = new_workspace(self.app)
        connect_organisation(self, workspace, self.org(org_name).tenant_id)
        return workspace

    def release(self, org_name: str) -> None:
        """Forget faults and any 429 wait for the organisation (tests share the sandbox)."""
        tenant_id = self.org(org_name).tenant_id
        self.sandbox.faults.clear(tenant_id)
        self.app.extensions[GOVERNOR_EXTENSION].forget(tenant_id)

    @property
    def sandbox_url(self) -> str:
        return f"{self.url}/sandbox/xero"


@dataclass
class Panel:
    """A launched contact panel: its first page, and a browser that sends the session header."""

    server: ContactServer
    page: requests.Response
    browser: requests.Session

    def get(self, path: str, **params) -> requests.Response:
        return self.browser.get(f"{self.server.url}{path}", params=params, timeout=30)

    def post(self, path: str, data: dict | None = None) -> requests.Response:
        return self.browser.post(f"{self.server.url}{path}", data=data or {}, timeout=30)


def person_record(contact_id: str | None = None, **fields) -> dict:
    record = {"type": "contact", "id": contact_id or f"crm-{secrets.token_hex(4)}"}
    record.update(fields)
    return record


def grant(server: ContactServer, workspace: Workspace, user_id: str, access: str) -> None:
    with server.app.app_context():
        db = get_session()
        set_access(find_by_crm_id(db, workspace.id, user_id), access)
        db.commit()


def open_panel(
    server: ContactServer,
    workspace: Workspace,
    record: dict,
    *,
    user_id: str = "rep-1",
    admin: bool = False,
    access: str | None = "edit",
    locale: str | None = None,
    path: str = "/contact",
    params: dict | None = None,
    expect: int = 200,
) -> Panel:
    """Open the panel as the CRM does (a signed launch token in the iframe URL)."""
    user = {"id": user_id, "name": f"Rep {user_id}", "email": f"{user_id}@crm.test", "admin": admin}
    if locale:
        user["locale"] = locale

    def launch() -> requests.Response:
        token = sign_launch_token(
            workspace.id, workspace.secret, user=user, record=record, panel="contact"
        )
        query = {"token": token, **(params or {})}
        return requests.get(f"{server.url}{path}", params=query, timeout=30)

    page = launch()
    if access is not None and not admin:
        grant(server, workspace, user_id, access)
        page = launch()
    assert page.status_code == expect, page.text[:800]
    browser = requests.Session()
    match = SESSION.search(page.text)
    if match:
        browser.headers["X-Widget-Session"] = match.group(1)
    browser.headers["HX-Request"] = "true"
    return Panel(server, page, browser)


# --- the sandbox's own data, read without the widget ---------------------------------------------


def stored(server: ContactServer, org_name: str, kind: str) -> list[dict]:
    """Every stored document of a kind, as the sandbox keeps it (money as Decimal)."""
    return server.sandbox.documents(server.org(org_name).tenant_id, kind)


def ms_day(value: str | None):
    """`/Date(1518685950940+0000)/` as the UTC calendar day it names."""
    if not value:
        return None
    millis = int(re.match(r"/Date\((-?\d+)", value).group(1))
    return datetime.fromtimestamp(millis / 1000, UTC).date()


class Figures(HTMLParser):
    """The five figures of a rendered summary: data-figure -> (count, total, expired); `credits`
    holds Credit available (data-credit -> count, total) when the mirror shows it."""

    def __init__(self, text: str):
        super().__init__()
        self.figures: dict[str, dict] = {}
        self.credits: dict[str, dict] = {}
        self._current: str | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-figure" in attrs:
            self._current = attrs["data-figure"]
            self.figures[self._current] = {
                "count": int(attrs["data-count"]),
                "total": Decimal(attrs["data-total"]),
                "expired": 0,
            }
        elif "data-credit" in attrs:
            self.credits[attrs["data-credit"]] = {
                "count": int(attrs["data-count"]),
                "total": Decimal(attrs["data-total"]),
            }
        elif "data-expired" in attrs and self._current:
            self.figures[self._current]["expired"] = int(attrs["data-expired"])


def link_panel(server: ContactServer, workspace: Workspace, xero_contact_id: str, **options):
    """A panel for a new CRM contact, linked to the Xero contact (as an editor would)."""
    panel = open_panel(server, workspace, person_record(name="Linked Person"), **options)
    answer = panel.post("/contact/link", {"xero_contact_id": xero_contact_id})
    assert answer.status_code == 200 and 'data-state="linked"' in answer.text, answer.text[:800]
    return panel


class HeldJobs:
    """The app's job queue, held: jobs are recorded, never run. No background sync reads Xero,
    so the mirror stays as the test makes it (not ready: the panels fetch per contact, as before
    the mirror; or filled with the test's rows), and every Xero call counted is a panel's."""

    def __init__(self):
        self.queued: list[tuple] = []

    def enqueue(self, target, args, *, key=None, root=None) -> bool:
        self.queued.append((target, tuple(args), key))
        return True

    def pending(self, key: str) -> bool:
        return any(job[2] == key for job in self.queued)

    def wait_idle(self, timeout: float = 30) -> bool:
        return True


def serve_panels(
    tmp_path_factory, name: str, *, hold_jobs: bool = True, **config
) -> Iterator[ContactServer]:
    """The whole app served for a folder of panel tests: the sandbox inside it answers Xero
    (metered), the panels' day follows the sandbox's clock, and the panel cache and the Xero
    governor run on a clock tests can move. Xero's real per-minute limit is lifted because many
    tests share one organisation within a minute; the limit tests force their 429s with the
    sandbox's faults."""
    from tests.conftest import make_test_app, serve

    folder = tmp_path_factory.mktemp(name)
    app = make_test_app(
        f"sqlite:///{folder / 'widget.sqlite3'}",
        f"sqlite:///{folder / 'sandbox.sqlite3'}",
        SANDBOX_MINUTE_LIMIT=100_000,
        SANDBOX_DAILY_LIMIT=1_000_000,
        **config,
    )
    if hold_jobs:  # (else the mirror syncs for real, in the app's job threads)
        app.extensions["jobs"] = HeldJobs()
    clock = OffsetClock()
    app.extensions["contact_cache"] = MemoryCache(
        clock=clock, stale_for=app.config["CONTACT_STALE_FOR"]
    )
    # Retry-After waits run on the same clock, so tests pass them without sleeping
    app.extensions[GOVERNOR_EXTENSION] = Governor.from_config(
        app.config, MemoryGovernorStore(clock=clock)
    )
    sandbox = app.extensions["sandbox"]
    app.extensions["contact_clock"] = lambda: sandbox.clock.now().replace(tzinfo=UTC)
    meter = XeroMeter(app.wsgi_app)
    app.wsgi_app = meter
    for live in serve(app):
        yield ContactServer(live.url, app, meter, clock)
    app.extensions["db_engine"].dispose()
