"""Fuzzing every route of the app, as every role, with generated bad input (Hypothesis).

`python -m bench.fuzz` runs a long version on SQLite and PostgreSQL and ends with the line
`fuzz: requests=N 5xx=K`; tests/test_fuzz_routes.py runs a short one in the suite and fails on
the first 5xx or traceback. Both use `FuzzTarget` and `fuzz_once`.

What a target is: the whole app (sandbox included) served on a real loopback socket, so the
widget's Xero calls reach the built-in sandbox over HTTP and never leave the machine; one
workspace connected to the sandbox's NZ organisation; panel sessions launched as a CRM would for
every role (no session, members with none/view/edit, a CRM admin) and every panel. Each fuzzed
request picks a route of `app.url_map` (enumerated, so routes added later are fuzzed too), a method
it accepts, a role, values for its path segments, and query, form and header values drawn from a
vocabulary of the field names our forms and views use, mixed with hostile values: NUL bytes,
numbers past any integer, huge and odd strings, malformed dates and UTF-8 that is not. A share of
requests open panels with signed launch tokens whose claims are fuzzed the same way.

Run: `.venv/bin/python -m bench.fuzz [--examples N] [--seed S] [--databases sqlite postgresql]`
(PostgreSQL at TEST_POSTGRES_URL, as the tests; about 6 minutes with the defaults).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import secrets
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
ROLES = ("anonymous", "none", "view", "edit", "admin")
PANELS = ("contact", "company", "deal", "admin")
IGNORED_METHODS = {"HEAD", "OPTIONS"}
#: the blueprint whose session a route expects (others: the contact panel's)
PANEL_OF_BLUEPRINT = {"company": "company", "deal": "deal", "admin": "admin", "connection": "admin"}
GENERIC_NAMES = ("page", "q", "token", "state", "id", "kind", "lines", "x", "", "a[b]", "page[]")
HEADER_NAMES = (
    "Accept",
    "HX-Request",
    "HX-Target",
    "Content-Type",
    "Accept-Language",
    "Idempotency-Key",
    "X-Widget-Session",
    "Authorization",
    "xero-tenant-id",
    "Origin",
    "Sec-Fetch-Site",
    "If-Modified-Since",
)
HOSTILE = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "%00",
    "0",
    "-1",
    "1",
    "2",
    "99999999999999999999999999",
    "9223372036854775808",
    "-9223372036854775809",
    "2147483648",
    "1e309",
    "NaN",
    "-Infinity",
    "0.00001",
    "1,5",
    "12345678901234.56789",
    "2026-02-30",
    "0000-00-00",
    "9999-12-31",
    "10000-01-01",
    "/Date(99999999999999999)/",
    "x" * 5000,
    "é" * 3000,
    "🦊" * 500,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    '"; DROP TABLE workspaces; --',
    "../../etc/passwd",
    "\u202egnp.exe",
    "\r\nSet-Cookie: x=1",
    "null",
    "true",
    "[]",
    "{}",
    "view",
    "edit",
    "none",
    "admin",
    "quote",
    "invoice",
    "bill",
    "ACCREC",
    "INCLUSIVE",
    "application/json",
    "multipart/form-data; boundary=x",
    "true",
    "Bearer x.y.z",
)


def vocabulary() -> tuple[str, ...]:
    """Field names our templates and views use (so fuzzed forms reach real parsing code)."""
    names: set[str] = set(GENERIC_NAMES)
    for path in (ROOT / "templates").rglob("*.html"):
        names.update(re.findall(r'name="([A-Za-z_][\w.\[\]-]{0,40})"', path.read_text()))
    for path in (ROOT / "widget").rglob("*.py"):
        text = path.read_text()
        names.update(re.findall(r'\.(?:get|getlist)\(\s*"([A-Za-z_][\w.\[\]-]{0,40})"', text))
    from widget.drafts import forms

    names.update(forms.LINE_FIELDS + forms.HEADER_FIELDS)
    return tuple(sorted(names))


# -- strategies -------------------------------------------------------------------------------

#: text that can be sent at all (a lone surrogate cannot be encoded into a URL or a form)
_SENDABLE = st.characters(codec="utf-8")
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(_SENDABLE, max_size=40),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=6).map(str),
    st.dates().map(str),
)
HEADER_VALUES = st.one_of(
    st.sampled_from([v for v in HOSTILE if v.isascii() and "\r" not in v and "\n" not in v]),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60),
)
BODIES = ("form", "form", "form", "multipart", "json")
#: JSON documents (as text: a lone surrogate travels as its `\\ud800` escape)
JSON_BODIES = st.one_of(
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
        ),
        max_leaves=12,
    ).map(json.dumps),
    st.sampled_from(['{"Contacts": [{"Name": "\\ud800"}]}', "[" * 5000, "{", "", "null"]),
)
#: raw query strings werkzeug decodes itself: bad percent escapes, UTF-8 of surrogates, ...
RAW_QUERIES = st.sampled_from(
    (
        "page=%ED%A0%80",
        "q=%FF%FE",
        "q=%",
        "q=%zz",
        "page=%00",
        "&&&==",
        "a=1&a=2&a=3",
        "q=" + "a" * 9000,
    )
)


def _segment(converter, items: tuple[str, ...]) -> st.SearchStrategy:
    from werkzeug.routing import AnyConverter, IntegerConverter, UUIDConverter

    if isinstance(converter, IntegerConverter):
        huge = st.sampled_from([0, 1, 2, 2**31, 2**63, 2**64, 10**30])
        return st.one_of(huge, huge, st.integers(min_value=0, max_value=2**90))
    if isinstance(converter, UUIDConverter):
        return st.builds(uuid.UUID, st.sampled_from([str(uuid.UUID(int=0)), str(uuid.uuid4())]))
    if isinstance(converter, AnyConverter):
        return st.sampled_from(items)
    return st.one_of(
        st.sampled_from(["x", "a\x00b", "9" * 30, "é", "..", "%2F"]),
        st.text(_SENDABLE, min_size=1, max_size=30).filter(lambda s: "/" not in s),
    )


# -- the target --------------------------------------------------------------------------------


@dataclass
class Route:
    rule: object
    method: str
    #: the access level it declares (`public`, `view`, `edit`, `admin`)
    level: str = "public"

    @property
    def panel(self) -> str:
        return PANEL_OF_BLUEPRINT.get(self.rule.endpoint.split(".")[0], "contact")


@dataclass
class Outcome:
    status: int
    method: str
    url: str
    problems: list[str] = field(default_factory=list)
    #: the url_map rule fuzzed (or "launch" for a fuzzed launch token)
    rule: str = "launch"


class ProblemLog(logging.Handler):
    """Collects log records that carry a traceback, or errors, while fuzzing."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.exc_info or record.levelno >= logging.ERROR or "Traceback" in message:
            self.records.append(f"{record.levelname} {record.name}: {message[:300]}")

    def take(self) -> list[str]:
        taken, self.records = self.records, []
        return taken


class FuzzTarget:
    """A served, connected app with a panel session per role and panel (see the module doc)."""

    def __init__(self, database_url: str, sandbox_database_url: str):
        from tests.conftest import make_test_app, serve

        self.app = make_test_app(
            database_url,
            sandbox_database_url,
            SANDBOX_MINUTE_LIMIT=1_000_000,
            SANDBOX_DAILY_LIMIT=10_000_000,
            SANDBOX_CONCURRENT_LIMIT=1_000,
            XERO_TIMEOUT_SECONDS=10,
        )
        self._serving = serve(self.app)
        self.server = next(self._serving)
        self.client = self.app.test_client()
        self.routes = self._routes()
        self.names = vocabulary()
        self.log = ProblemLog()
        self._connect()

    def _routes(self) -> list[Route]:
        from widget.auth.access import declarations

        rules = sorted(self.app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))
        return [
            Route(rule, method, (declarations(self.app, rule.endpoint) or ["public"])[0])
            for rule in rules
            for method in sorted(rule.methods - IGNORED_METHODS)
        ]

    def _connect(self) -> None:
        from tests.auth.fixtures import launch
        from tests.connection.support import connect_organisation, new_workspace

        self.workspace = new_workspace(self.app)
        tenant_id = self.app.extensions["sandbox"].find_org("Demo Company (NZ)").tenant_id
        connect_organisation(self.server, self.workspace, tenant_id)
        self.sessions: dict[tuple[str, str], str] = {}
        for panel in PANELS:
            admin = launch(self.app, self.workspace, panel, user_id="fuzz-admin", admin=True)
            self.sessions["admin", panel] = admin.token
            if panel == "admin":
                continue
            for access in ("none", "view", "edit"):
                member = launch(
                    self.app, self.workspace, panel, user_id=f"fuzz-{access}", access=access
                )
                self.sessions[access, panel] = member.token

    def __enter__(self) -> FuzzTarget:
        logging.getLogger().addHandler(self.log)
        return self

    def __exit__(self, *exc) -> None:
        logging.getLogger().removeHandler(self.log)
        next(self._serving, None)  # stops the server
        self.app.extensions["db_engine"].dispose()

    def session_headers(self, role: str, panel: str) -> dict[str, str]:
        if role == "anonymous":
            return {}
        token = self.sessions.get((role, panel)) or self.sessions[role, "contact"]
        return {"X-Widget-Session": token}

    def signed_launch(self, panel: str, user: dict, record: dict, claims: dict) -> str:
        """A launch URL signed with the workspace's secret, whatever the claims hold."""
        import base64
        import hashlib
        import hmac

        now = int(time.time())
        body = {
            "iss": self.workspace.id,
            "aud": "xero-widget",
            "sub": user.get("id"),
            "iat": now,
            "exp": now + 300,
            "jti": secrets.token_urlsafe(12),
            "panel": panel,
            "user": user,
            "record": record,
        } | claims

        def b64(data: bytes) -> str:
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

        header = json.dumps({"alg": "HS256", "typ": "JWT"}).encode()
        signing = f"{b64(header)}.{b64(json.dumps(body).encode())}"
        mac = hmac.new(self.workspace.secret.encode(), signing.encode(), hashlib.sha256).digest()
        return f"{signing}.{b64(mac)}"


# -- one fuzzed request -----------------------------------------------------------------------


def _path(target: FuzzTarget, route: Route, data) -> str:
    adapter = target.app.url_map.bind("localhost")
    values = {}
    for name, converter in route.rule._converters.items():
        items = tuple(sorted(getattr(converter, "items", ()) or ()))
        values[name] = data.draw(_segment(converter, items), label=name)
    try:
        return adapter.build(route.rule.endpoint, values, method=route.method)
    except Exception:  # a drawn value the converter will not build: the plain placeholder
        return route.rule.rule.replace("<", "").replace(">", "")


def _pairs(target: FuzzTarget, data, label: str, most: int) -> list[tuple[str, str]]:
    names = st.one_of(st.sampled_from(target.names), st.text(_SENDABLE, max_size=12))
    return data.draw(st.lists(st.tuples(names, VALUES), max_size=most), label=label)


def _claims_request(target: FuzzTarget, data) -> tuple[str, str, dict, dict]:
    panel = data.draw(st.sampled_from(PANELS), label="launch panel")
    text = st.one_of(VALUES, st.sampled_from(["\ud800", "a\udfffb", "ok"]))
    any_json = st.one_of(text, st.integers(), st.booleans(), st.none(), st.lists(text, max_size=2))
    user = {
        "id": data.draw(st.one_of(st.just("fuzz-admin"), any_json), label="user.id"),
        "name": data.draw(any_json, label="user.name"),
        "email": data.draw(any_json, label="user.email"),
        "admin": data.draw(st.one_of(st.booleans(), any_json), label="user.admin"),
    }
    if data.draw(st.booleans(), label="with locale"):
        user["locale"] = data.draw(any_json, label="user.locale")
    kind = panel if panel != "admin" else "none"
    record = {
        "type": data.draw(st.one_of(st.just(kind), any_json), label="record.type"),
        "id": data.draw(any_json, label="record.id"),
        "name": data.draw(any_json, label="record.name"),
        "email": data.draw(any_json, label="record.email"),
    }
    if data.draw(st.booleans(), label="with contacts"):
        record["contacts"] = data.draw(
            st.lists(st.fixed_dictionaries({"id": any_json, "name": any_json}), max_size=3)
        )
        record["primary_contact_id"] = data.draw(any_json, label="primary")
    claims = data.draw(
        st.dictionaries(st.sampled_from(["jti", "sub", "exp", "iat", "aud", "panel"]), any_json),
        label="claims",
    )
    token = target.signed_launch(panel, user, record, claims)
    path = data.draw(st.sampled_from([f"/{panel}", f"/{panel}/quick", "/contact"]), label="path")
    return "GET", path, {"token": token}, {}


#: the role that gets past a route's access check (to reach the code behind it)
ROLE_FOR_LEVEL = {"public": "anonymous", "view": "view", "edit": "edit", "admin": "admin"}


def fuzz_once(target: FuzzTarget, data, route: Route | None) -> Outcome:
    """Draw and send one request to `route` (None: open a panel with fuzzed signed claims); the
    outcome says its status and any traceback it logged. Routes are not drawn but given: each
    gets its own share of examples (Hypothesis would favour a few)."""
    if route is None:
        method, path, query, form = _claims_request(target, data)
        headers, rule = {}, "launch"
    else:
        allowed = ROLE_FOR_LEVEL.get(route.level, "admin")
        # half the time the role that passes the access check, so the code behind it is reached
        role = data.draw(st.sampled_from((allowed,) * len(ROLES) + ROLES), label="role")
        method, path, rule = route.method, _path(target, route, data), route.rule.rule
        query = _pairs(target, data, "query", 4)
        form = _pairs(target, data, "form", 8) if method != "GET" else []
        headers = target.session_headers(role, route.panel)
        extra = data.draw(
            st.dictionaries(st.sampled_from(HEADER_NAMES), HEADER_VALUES, max_size=3),
            label="headers",
        )
        if role != "anonymous":
            extra.pop("X-Widget-Session", None)
        headers |= extra
        if data.draw(st.integers(0, 7), label="raw query") == 0:
            query = data.draw(RAW_QUERIES, label="raw")
    body = "form" if method == "GET" else data.draw(st.sampled_from(BODIES), label="body")
    kwargs = {"query_string": query, "headers": headers}
    if body == "json":
        kwargs["data"] = data.draw(JSON_BODIES, label="json")
        kwargs["content_type"] = "application/json"
    elif method != "GET":
        kwargs["data"] = _form(form)
        if body == "multipart":
            kwargs["content_type"] = "multipart/form-data"
    target.log.take()
    try:
        response = target.client.open(path, method=method, **kwargs)
    except Exception as exc:  # the test client itself could not send it: not the app's fault
        if isinstance(exc, (UnicodeError, ValueError, TypeError)):
            return Outcome(0, method, path, rule=rule)
        raise
    problems = target.log.take()
    if response.status_code >= 500 or problems:
        body = response.get_data(as_text=True)
        if "Traceback" in body:
            problems.append("traceback in the response body")
    response.close()
    return Outcome(response.status_code, method, f"{path} {query!r:.200}", problems, rule)


#: the sweep's values: each one in every field of every route, as the role the route wants
SWEEP_VALUES = ("99999999999999999999999999", "-1", "2026-02-30", "' OR 1=1 --", "é🦊\u202e", "")


def _sweep_segment(converter, value: str):
    from werkzeug.routing import AnyConverter, IntegerConverter, UUIDConverter

    if isinstance(converter, IntegerConverter):
        return 10**30
    if isinstance(converter, UUIDConverter):
        return uuid.UUID(int=0)
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return value or "x"


def sweep(target: FuzzTarget):
    """Every route once per SWEEP_VALUES, every known field name set to it: a deterministic
    floor under the random search (yields an Outcome per request)."""
    adapter = target.app.url_map.bind("localhost")
    for route in target.routes:
        role = ROLE_FOR_LEVEL.get(route.level, "admin")
        for value in SWEEP_VALUES:
            segments = {
                name: _sweep_segment(converter, value)
                for name, converter in route.rule._converters.items()
            }
            path = adapter.build(route.rule.endpoint, segments, method=route.method)
            fields = [(name, value) for name in target.names]
            target.log.take()
            response = target.client.open(
                path,
                method=route.method,
                query_string=fields if route.method == "GET" else [("page", value)],
                data=_form(fields) if route.method != "GET" else None,
                headers=target.session_headers(role, route.panel),
            )
            response.close()
            problems = target.log.take()
            yield Outcome(
                response.status_code, route.method, f"{path} ={value!r}", problems, route.rule.rule
            )


def _form(pairs: list[tuple[str, str]]):
    from werkzeug.datastructures import MultiDict

    return MultiDict(pairs)


def hypothesis_settings(examples: int, derandomize: bool) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=derandomize,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


# -- the benchmark ----------------------------------------------------------------------------


def _database_urls(name: str, folder: Path) -> tuple[str, str]:
    sandbox = f"sqlite:///{folder / f'{name}-sandbox.sqlite3'}"
    if name == "sqlite":
        return f"sqlite:///{folder / 'widget.sqlite3'}", sandbox
    from tests.conftest import _postgres_url

    return _postgres_url(), sandbox


def run(database: str, folder: Path, examples: int, seed_value: int) -> tuple[int, list[Outcome]]:
    database_url, sandbox_url = _database_urls(database, folder)
    sent, failures = 0, []
    with FuzzTarget(database_url, sandbox_url) as target:

        def count(outcome: Outcome) -> None:
            nonlocal sent
            if outcome.status:
                sent += 1
            if outcome.status >= 500 or outcome.problems:
                failures.append(outcome)

        for outcome in sweep(target):
            count(outcome)

        def fuzzed(route: Route | None):
            @seed(seed_value)
            @hypothesis_settings(examples * (10 if route is None else 1), derandomize=False)
            @given(st.data())
            def drive(data):
                count(fuzz_once(target, data, route))

            return drive

        for route in [*target.routes, None]:
            fuzzed(route)()
    return sent, failures


def main(argv: list[str] | None = None) -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=80, help="examples per route")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args(argv)
    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the served sandbox's access lines
    total, fives = 0, 0
    with tempfile.TemporaryDirectory() as folder:
        for database in args.databases:
            started = time.monotonic()
            sent, failures = run(database, Path(folder), args.examples, args.seed)
            total += sent
            fives += sum(1 for f in failures if f.status >= 500)
            elapsed = time.monotonic() - started
            print(f"{database}: requests={sent} failures={len(failures)} in {elapsed:.0f} s")
            for failure in failures[:20]:
                print(f"  {failure.status} {failure.method} {failure.url}")
                for problem in failure.problems[:3]:
                    print(f"    {problem}")
    print(f"fuzz: requests={total} 5xx={fives}")
    return 0 if fives == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
