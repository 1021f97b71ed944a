"""Everything a contact-panel request needs to know before it renders: who, which CRM contact,
which Xero organisation (and whether it can be reached), which locale, what the user may do."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from babel import Locale
from flask import abort, current_app, request
from sqlalchemy import and_, bindparam, inspect, select

from widget.auth.access import allows, current_panel
from widget.auth.models import PanelSession
from widget.connection.errors import ConnectionProblem, NeedsReauthorisation, NotConnected
from widget.connection.models import XeroConnection
from widget.connection.service import client_for
from widget.contact import links, mirrored
from widget.contact.models import ContactLink
from widget.contact.service import ContactXero
from widget.db import adopt, get_session, loaded
from widget.formatting import resolve_locale
from widget.mirror.service import MirrorStatus
from widget.shared import watched
from widget.suggest import CrmContact
from widget.summary import ALLOWED_OPEN_QUOTE_STATUSES, open_quote_statuses

#: workspace setting (admin settings) that adds ACCEPTED quotes to "open" (PRODUCT.md)
ACCEPTED_QUOTES_SETTING = "open_quotes_include_accepted"


@dataclass
class PanelContext:
    panel: PanelSession
    connection: XeroConnection | None
    problem: ConnectionProblem | None
    #: the link as read with the connection (one query for both: panels are read a lot)
    stored_link: ContactLink | None = None

    @property
    def workspace_id(self) -> str:
        return self.panel.workspace_id

    @property
    def record(self) -> dict:
        return self.panel.record or {}

    @property
    def crm_contact_id(self) -> str:
        return str(self.record.get("id") or "")

    @property
    def user(self):
        return self.panel.user

    @property
    def is_admin(self) -> bool:
        return self.panel.user.is_admin

    @cached_property
    def can_edit(self) -> bool:
        return allows(self.panel.user, "edit")

    @cached_property
    def admins_to_ask(self) -> list:
        """Who can grant edit access (the workspace's admins, a few), for view-only members told
        why they cannot link, as the no-access page names them."""
        from widget.auth.users import workspace_admins

        admins = workspace_admins(get_session(), self.workspace_id)
        return [user for user in admins if user.id != self.panel.user_id][:3]

    @cached_property
    def locale(self) -> Locale:
        return resolve_locale(self.panel.locale, request.headers.get("Accept-Language"))

    @property
    def lang(self) -> str:
        return str(self.locale).replace("_", "-")

    @property
    def tenant_id(self) -> str:
        return self.connection.tenant_id if self.connection is not None else ""

    @cached_property
    def link_key(self) -> links.LinkKey:
        name = str(self.record.get("name") or "")
        return links.LinkKey(self.workspace_id, self.tenant_id, self.crm_contact_id, crm_name=name)

    @property
    def link(self) -> ContactLink | None:
        return self.stored_link if self.problem is None else None

    def reload_link(self) -> ContactLink | None:
        """The link as stored now (after this request linked or unlinked)."""
        if self.problem is None:
            self.stored_link = links.find(get_session(), self.link_key)
        return self.link

    @cached_property
    def mirror(self) -> MirrorStatus | None:
        """The organisation mirror's status when the panel may read it (its first sync is
        complete), else None: read Xero per contact. Asking also keeps the mirror fresh."""
        if self.problem is not None or not current_app.config.get("PANELS_READ_MIRROR", True):
            return None
        return mirrored.open_mirror(self.workspace_id, self.tenant_id)

    @cached_property
    def xero(self) -> ContactXero:
        workspace_id, tenant_id = self.workspace_id, self.tenant_id

        def make_client():
            client = client_for(workspace_id)
            if client.tenant_id != tenant_id:  # reconnected to another organisation meanwhile:
                raise NotConnected(workspace_id)  # never file its data under this one's name
            return client

        return ContactXero(workspace_id, tenant_id, make_client)

    @property
    def crm_contact(self) -> CrmContact:
        record = self.record
        return CrmContact(
            name=record.get("name") or None,
            email=record.get("email") or None,
            company=record.get("company") or None,
        )

    @property
    def open_statuses(self) -> frozenset[str]:
        settings = self.panel.workspace.settings or {}
        statuses = open_quote_statuses(bool(settings.get(ACCEPTED_QUOTES_SETTING)))
        return statuses & ALLOWED_OPEN_QUOTE_STATUSES


def load() -> PanelContext:
    """The context of this request's contact panel (404 for another panel's session). The
    connection and link are kept per process until a commit writes either table (anywhere,
    with Redis): a warm panel's request reads neither."""
    panel = current_panel()
    if panel is None or panel.panel != "contact" or not (panel.record or {}).get("id"):
        abort(404, "This session was not opened for a CRM contact.")
    workspace_id, crm_contact_id = panel.workspace_id, str(panel.record["id"])
    kept = watched.watched(current_app, CACHE).get_or_read(
        (workspace_id, crm_contact_id), lambda: _read(workspace_id, crm_contact_id)
    )
    connection, link = (_attach(row) for row in kept)
    return PanelContext(panel, connection, _problem(workspace_id, connection), link)


#: the kept (connection, link) of a CRM contact, dropped when either table is written
CACHE = "contact_panel_rows"


def watch(app) -> None:
    watched.register(app, CACHE, ("xero_connections", "contact_links"), "workspace_id")


def _read(workspace_id: str, crm_contact_id: str) -> tuple[dict | None, dict | None]:
    found = (
        get_session()
        .execute(
            _CONNECTION_AND_LINK, {"workspace_id": workspace_id, "crm_contact_id": crm_contact_id}
        )  # fmt: skip
        .first()
    )
    return tuple(_columns(row) for row in found) if found is not None else (None, None)


def _columns(row) -> tuple[type, dict] | None:
    if row is None:
        return None
    return type(row), {c.key: getattr(row, c.key) for c in inspect(type(row)).column_attrs}


def _attach(kept: tuple[type, dict] | None):
    """A kept row as a persistent row of this request's session, as if just loaded (no SQL)."""
    if kept is None:
        return None
    model, values = kept
    return adopt(get_session(), loaded(model, **values))


#: the workspace's connection and, under its organisation, this CRM contact's link
_CONNECTION_AND_LINK = (
    select(XeroConnection, ContactLink)
    .outerjoin(
        ContactLink,
        and_(
            ContactLink.workspace_id == XeroConnection.workspace_id,
            ContactLink.tenant_id == XeroConnection.tenant_id,
            ContactLink.record_type == "contact",
            ContactLink.crm_contact_id == bindparam("crm_contact_id"),
        ),
    )
    .where(XeroConnection.workspace_id == bindparam("workspace_id"))
)


def _problem(workspace_id: str, connection: XeroConnection | None) -> ConnectionProblem | None:
    if connection is None or connection.status == "disconnected" or not connection.tenant_id:
        return NotConnected(workspace_id)
    if connection.status != "running":
        return NeedsReauthorisation(workspace_id)
    return None
