"""The sandbox itself: its database, clock, faults and limits, reachable as
`app.extensions["sandbox"]` from tests, the CLI and the views.
"""

import json
import threading
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from widget.db import make_engine
from widget.sandbox import seed
from widget.sandbox.clock import Clock
from widget.sandbox.documents import ID_FIELD, index_columns
from widget.sandbox.faults import Faults
from widget.sandbox.grants import Grants, TokenSet
from widget.sandbox.limits import Limits
from widget.sandbox.models import Counter, Document, Organisation, SandboxBase
from widget.sandbox.serialise import read_datetime
from widget.sandbox.webhooks import Webhooks


@dataclass(frozen=True)
class OrgInfo:
    tenant_id: str
    name: str
    short_code: str
    base_currency: str


class Sandbox:
    """State and controls of the built-in Xero; one per app."""

    def __init__(self, config):
        self.config = config
        self.engine = make_engine(config["SANDBOX_DATABASE_URL"])
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.clock = Clock()
        self.faults = Faults(self)
        self.limits = Limits(self)
        self.grants = Grants(self)
        self.webhooks = Webhooks(self)
        self._ready = False
        self._ready_lock = threading.Lock()

    # -- lifecycle ------------------------------------------------------------------------------
    def ensure_ready(self) -> None:
        """Create the tables and seed the demo organisations the first time they are needed."""
        if self._ready:
            return
        with self._ready_lock:
            if self._ready:
                return
            SandboxBase.metadata.create_all(self.engine)
            for index in Document.__table__.indexes:  # a store made before an index was added
                index.create(self.engine, checkfirst=True)
            with self.sessions() as session:
                empty = session.scalar(select(Organisation.tenant_id).limit(1)) is None
            if empty:
                # another process (gunicorn worker, CLI) may seed it at the same moment
                with suppress(IntegrityError):
                    self._install()
            self._ready = True

    def reset(self) -> dict[str, dict[str, int]]:
        """Forget everything (tokens, faults, documents) and seed afresh; returns the counts."""
        with self._ready_lock:
            SandboxBase.metadata.drop_all(self.engine)
            SandboxBase.metadata.create_all(self.engine)
            summary = self._install()
            self.limits.reset()
            self._ready = True
        return summary

    def _install(self) -> dict[str, dict[str, int]]:
        seed_value = int(self.config.get("SANDBOX_SEED", seed.DEFAULT_SEED))
        orgs = seed.generate(seed_value, self.clock.today())
        now = self.clock.now()
        summary = {}
        with self.sessions() as session, session.begin():
            for position, org in enumerate(orgs):
                session.add(
                    Organisation(
                        tenant_id=org.tenant_id,
                        name=org.name,
                        position=position,
                        body=json.dumps(org.organisation),
                    )
                )
                summary[org.name] = self._install_documents(session, org, now)
        return summary

    def seed_large(self, scale: float = 1.0) -> dict[str, int]:
        """Add (or seed afresh) "Demo Company (Large)": ~10,000 contacts, 50,000 invoices and
        bills, 5,000 quotes, 2,000 credit notes, deterministic; `scale` shrinks it (tests)."""
        self.ensure_ready()
        seed_value = int(self.config.get("SANDBOX_SEED", seed.DEFAULT_SEED))
        org = seed.large(seed_value, self.clock.today(), scale)
        with self._ready_lock, self.sessions() as session, session.begin():
            for table in (Document, Counter):
                session.execute(delete(table).where(table.tenant_id == org.tenant_id))
            session.execute(delete(Organisation).where(Organisation.tenant_id == org.tenant_id))
            position = session.scalar(select(func.count()).select_from(Organisation))
            session.add(
                Organisation(
                    tenant_id=org.tenant_id,
                    name=org.name,
                    position=position,
                    body=json.dumps(org.organisation),
                )
            )
            return self._install_documents(session, org, self.clock.now())

    def _install_documents(self, session: Session, org: seed.OrgData, now) -> dict[str, int]:
        for kind, bodies in org.documents.items():
            # bulk, in slices: a driver takes them happily and the JSON text never piles up
            for start in range(0, len(bodies), INSERT_SLICE):
                rows = [
                    _row(org.tenant_id, kind, position, body, now)
                    for position, body in enumerate(
                        bodies[start : start + INSERT_SLICE], start=start + 1
                    )
                ]
                session.execute(insert(Document), rows)
            session.add(Counter(tenant_id=org.tenant_id, name=f"pos:{kind}", value=len(bodies)))
        sales = [b for b in org.documents["invoice"] if b["Type"] == "ACCREC"]
        session.add(Counter(tenant_id=org.tenant_id, name="INV", value=len(sales)))
        notes = org.documents.get("creditnote", [])
        sales_notes = [n for n in notes if n["Type"] == "ACCRECCREDIT"]
        session.add(Counter(tenant_id=org.tenant_id, name="CN", value=len(sales_notes)))
        quotes = org.documents["quote"]
        session.add(Counter(tenant_id=org.tenant_id, name="QU", value=len(quotes)))
        return {kind: len(bodies) for kind, bodies in org.documents.items()}

    def token(self, *org_names: str, scope: str | None = None) -> TokenSet:
        """Tokens for a new grant over these organisations (names or unique prefixes), as if a
        person had consented: for the CLI and tests that do not exercise the consent page."""
        tenants = [self.find_org(name).tenant_id for name in org_names]
        client_id = self.config.get("SANDBOX_CLIENT_ID", "sandbox-client")
        return self.grants.issue(client_id, scope or self.config["XERO_SCOPES"], tenants)

    # -- organisations --------------------------------------------------------------------------
    def organisations(self) -> list[OrgInfo]:
        self.ensure_ready()
        with self.sessions() as session:
            rows = session.scalars(select(Organisation).order_by(Organisation.position)).all()
        return [_org_info(row) for row in rows]

    def organisation(self, tenant_id: str) -> dict | None:
        self.ensure_ready()
        with self.sessions() as session:
            row = session.get(Organisation, tenant_id)
            return json.loads(row.body) if row else None

    def documents(self, tenant_id: str, kind: str, status: str | None = None) -> list[dict]:
        """An organisation's stored documents of a kind (and status), as the sandbox keeps them,
        money as Decimal: what tests and benchmarks read to check or pick the sandbox's data."""
        query = select(Document.body).where(Document.tenant_id == tenant_id, Document.kind == kind)
        if status is not None:
            query = query.where(Document.status == status)
        with self.sessions() as session:
            bodies = session.scalars(query).all()
        return [json.loads(body, parse_float=Decimal) for body in bodies]

    def find_org(self, name: str) -> OrgInfo:
        """An organisation by exact name, unique prefix or unique part ("uk"), any case."""
        orgs = self.organisations()
        wanted = name.strip().lower()
        exact = [org for org in orgs if org.name.lower() == wanted or org.tenant_id == wanted]
        matches = (
            exact
            or [org for org in orgs if org.name.lower().startswith(wanted)]
            or [org for org in orgs if wanted in org.name.lower()]
        )
        if len(matches) != 1:
            names = ", ".join(org.name for org in orgs)
            problem = "matches several" if matches else "matches none"
            raise LookupError(f"'{name}' {problem} of the organisations ({names})")
        return matches[0]


_DOCUMENT_COLUMNS = [
    "contact_id",
    "type",
    "status",
    "name_lc",
    "email_lc",
    "number",
    "search_text",
    "date",
    "due_date",
    "expiry_date",
    "amount_due_base",
]


INSERT_SLICE = 5000


def _row(tenant_id: str, kind: str, position: int, body: dict, now) -> dict:
    row = {
        "tenant_id": tenant_id,
        "kind": kind,
        "doc_id": body[ID_FIELD[kind]],
        "position": position,
        "updated_at": read_datetime(body.get("UpdatedDateUTC")) or now,
        "body": json.dumps(body, separators=(",", ":")),
    }
    row.update(index_columns(kind, body))
    return _with_defaults(row)


def _with_defaults(row: dict) -> dict:
    for column in _DOCUMENT_COLUMNS:
        row.setdefault(column, None)
    return row


def _org_info(row: Organisation) -> OrgInfo:
    body = json.loads(row.body)
    return OrgInfo(row.tenant_id, row.name, body["ShortCode"], body["BaseCurrency"])
