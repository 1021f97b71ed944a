"""The admin page's guided setup: each step's state worked out from what is stored, never kept
separately, so the checklist cannot disagree with the sections below it.

Steps: connect Xero → choose the organisation → first sync (the mirror's MirrorState) → who may
use the widget → defaults for drafts → match existing CRM contacts (optional). Setup is complete
when every step but the optional one is done; the checklist then folds into "Setup: complete"
with what each step set.
"""

import dataclasses
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from widget.auth import audit
from widget.auth.models import User, Workspace
from widget.connection.models import XeroConnection
from widget.crm.store import contact_count
from widget.drafts import settings as draft_settings
from widget.mirror.models import MirrorState

DONE, TODO, WAITING, IN_PROGRESS, PROBLEM, OPTIONAL = (
    "done",
    "to do",
    "waiting",
    "in progress",
    "needs attention",
    "optional",
)


#: the defaults step's action while nothing is stored: a button, not a link
KEEP_DEFAULTS = "Keep these defaults"


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    state: str
    #: what the step set, or what is missing, in a sentence
    summary: str
    action: str
    #: where the action is: a section of this page
    target: str
    optional: bool = False

    @property
    def done(self) -> bool:
        return self.state == DONE


@dataclass(frozen=True)
class Setup:
    steps: list[Step]

    @property
    def complete(self) -> bool:
        return all(step.done for step in self.steps if not step.optional)

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps if not step.optional)

    @property
    def required_count(self) -> int:
        return sum(not step.optional for step in self.steps)


def _connection(db: Session, workspace_id: str) -> XeroConnection | None:
    query = select(XeroConnection).where(XeroConnection.workspace_id == workspace_id)
    return db.scalars(query).first()


def _connect_step(connection: XeroConnection | None) -> Step:
    status = connection.status if connection else "disconnected"
    if status == "running":
        return Step("connect", "Connect Xero", DONE, "Connected.", "Manage", "xero-connection")
    if status == "needs_reauthorisation":
        summary = "Xero no longer accepts the connection: reconnect."
        return Step("connect", "Connect Xero", PROBLEM, summary, "Reconnect", "xero-connection")
    summary = "Not connected yet."
    return Step("connect", "Connect Xero", TODO, summary, "Connect to Xero", "xero-connection")


def _organisation_step(connection: XeroConnection | None) -> Step:
    title = "Choose the organisation"
    if connection and connection.status == "running" and connection.tenant_id:
        summary = f"{connection.tenant_name or connection.tenant_id}."
        return Step("organisation", title, DONE, summary, "Change", "xero-connection")
    summary = "Chosen while connecting (Xero lists the organisations you may use)."
    return Step("organisation", title, WAITING, summary, "Connect to Xero", "xero-connection")


def _sync_step(db: Session, workspace_id: str, connection: XeroConnection | None) -> Step:
    title, target = "First sync", "mirror-sync"  # the mirror's progress line
    if not (connection and connection.status == "running" and connection.tenant_id):
        summary = "Starts once an organisation is connected."
        return Step("sync", title, WAITING, summary, "See the Xero section", target)
    state = db.get(MirrorState, (workspace_id, connection.tenant_id))
    if state is None:
        return Step("sync", title, WAITING, "Not started yet.", "See progress", target)
    if state.status == "ready":
        summary = f"{state.documents_read:,} records copied from Xero."
        return Step("sync", title, DONE, summary, "See the Xero section", target)
    if state.status == "failed":
        summary = f"Stopped after {state.documents_read:,} records; it carries on by itself."
        return Step("sync", title, PROBLEM, summary, "See progress", target)
    expected = f" of about {state.documents_expected:,}" if state.documents_expected else ""
    summary = f"{state.documents_read:,}{expected} records copied so far."
    return Step("sync", title, IN_PROGRESS, summary, "See progress", target)


def _access_step(db: Session, workspace_id: str) -> Step:
    query = (
        select(User.access, func.count())
        .where(User.workspace_id == workspace_id, User.is_admin.is_(False))
        .where(User.access.in_(("view", "edit")))
        .group_by(User.access)
    )
    granted = dict(db.execute(query).all())
    title = "Who may use the widget"
    if not granted:
        summary = "Only admins so far: add your team and grant view or edit."
        return Step("access", title, TODO, summary, "Add people", "access")
    parts = [f"{granted[level]} with {level}" for level in ("edit", "view") if granted.get(level)]
    people = sum(granted.values())
    summary = f"{people} {'person' if people == 1 else 'people'}: {', '.join(parts)}."
    return Step("access", title, DONE, summary, "Change", "access")


def _stored_settings(workspace: Workspace) -> dict:
    return workspace.settings if isinstance(workspace.settings, dict) else {}


def _defaults_step(workspace: Workspace) -> Step:
    title = "Defaults for drafts"
    chosen = draft_settings.load(workspace)
    terms = (
        f"invoices due in {chosen.invoice_due_days} days, bills in {chosen.bill_due_days}, "
        f"quotes expire in {chosen.quote_expiry_days}"
    )
    if draft_settings.SETTINGS_KEY not in _stored_settings(workspace):
        summary = f"Standard defaults ({terms}): keep them, or change them below."
        return Step("defaults", title, TODO, summary, KEEP_DEFAULTS, "draft-defaults")
    return Step(
        "defaults", title, DONE, f"{terms[0].upper()}{terms[1:]}.", "Change", "draft-defaults"
    )


def keep_standard_defaults(db: Session, workspace: Workspace, user: User) -> bool:
    """The admin accepts the defaults as they are (saving an unchanged defaults form stores
    nothing, so the step needs this): store them as the drafts' settings would, audited.
    False when defaults were stored already (nothing changes)."""
    stored = dict(_stored_settings(workspace))
    if draft_settings.SETTINGS_KEY in stored:
        return False
    drafts = dataclasses.asdict(draft_settings.load(workspace))
    drafts.pop("open_quotes_include_accepted")  # kept at its own top-level key
    stored[draft_settings.SETTINGS_KEY] = drafts
    workspace.settings = stored
    audit.record(db, workspace.id, user, "setup.defaults.keep", "draft defaults")
    return True


def _match_step(db: Session, workspace_id: str) -> Step:
    count = contact_count(db, workspace_id)
    title = "Match existing CRM contacts"
    if not count:
        summary = "Optional: upload or push your CRM's contacts to match them with Xero's."
        return Step("match", title, OPTIONAL, summary, "Upload contacts", "crm-import", True)
    noun = "contact" if count == 1 else "contacts"
    summary = f"{count:,} CRM {noun} received: match them with Xero's and review the matches."
    return Step("match", title, DONE, summary, "Review matches", "crm-matching", True)


def setup_of(db: Session, workspace: Workspace) -> Setup:
    connection = _connection(db, workspace.id)
    return Setup(
        [
            _connect_step(connection),
            _organisation_step(connection),
            _sync_step(db, workspace.id, connection),
            _access_step(db, workspace.id),
            _defaults_step(workspace),
            _match_step(db, workspace.id),
        ]
    )
