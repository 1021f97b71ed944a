"""Everything a company- or deal-panel request needs before it renders, on top of the contact
panel's context (who, which organisation and whether it can be reached, locale, grant): the
record's people with their links, and for a company its own link."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from flask import abort
from sqlalchemy import and_, bindparam, select

from widget.auth.access import current_panel
from widget.company.associated import Person, people_of, with_links
from widget.company.service import GroupXero
from widget.company.suggest import CrmCompany, company_of
from widget.connection.errors import NotConnected
from widget.connection.models import XeroConnection
from widget.connection.service import client_for
from widget.contact import links
from widget.contact.context import PanelContext, _problem
from widget.contact.models import ContactLink
from widget.db import get_session

COMPANY = "company"


@dataclass
class GroupContext(PanelContext):
    """A panel about a CRM record with several people (a company or a deal)."""

    record_type: str = COMPANY

    @cached_property
    def link_key(self) -> links.LinkKey:
        name = str(self.record.get("name") or "")
        return links.LinkKey(
            self.workspace_id, self.tenant_id, self.crm_contact_id, self.record_type, name
        )

    @cached_property
    def xero(self) -> GroupXero:
        workspace_id, tenant_id = self.workspace_id, self.tenant_id

        def make_client():
            client = client_for(workspace_id)
            if client.tenant_id != tenant_id:  # reconnected to another organisation meanwhile:
                raise NotConnected(workspace_id)  # never file its data under this one's name
            return client

        return GroupXero(workspace_id, tenant_id, make_client)

    @cached_property
    def people(self) -> list[Person]:
        """The record's people with their links (none shown while Xero is not connected)."""
        people = people_of(self.record)
        if self.problem is not None:
            return people
        return with_links(get_session(), self.workspace_id, self.tenant_id, people)

    def forget_people(self) -> None:
        """After linking or unlinking one of them in place: read the links again."""
        self.__dict__.pop("people", None)

    def person(self, crm_id: str) -> Person | None:
        """One of the record's people, by the id the browser sent back (None if not one)."""
        return next((p for p in self.people if p.crm_id == crm_id), None)

    @property
    def company(self) -> CrmCompany:
        return company_of(self.record)

    @property
    def company_name(self) -> str:
        return str(self.record.get("company") or self.record.get("name") or "")

    def xero_contact_ids(self) -> list[str]:
        """Every Xero contact the figures cover: the record's own link, then its people's (each
        once: several people, or the company and a person, may share one)."""
        ids = [self.link.xero_contact_id] if self.link is not None else []
        ids += [p.xero_contact_id for p in self.people if p.xero_contact_id]
        return list(dict.fromkeys(i.lower() for i in ids))


def load(panel_name: str, record_type: str, cls: type[GroupContext] = GroupContext):
    """The context of this request's panel (404 for another panel's session)."""
    panel = current_panel()
    if panel is None or panel.panel != panel_name or not (panel.record or {}).get("id"):
        abort(404, f"This session was not opened for a CRM {panel_name}.")
    found = (
        get_session()
        .execute(
            _CONNECTION_AND_LINK,
            {
                "workspace_id": panel.workspace_id,
                "crm_id": str(panel.record["id"]),
                "record_type": record_type,
            },
        )
        .first()
    )
    connection, link = found if found is not None else (None, None)
    problem = _problem(panel.workspace_id, connection)
    return cls(panel, connection, problem, link, record_type=record_type)


#: the workspace's connection and, under its organisation, the record's own link (if any)
_CONNECTION_AND_LINK = (
    select(XeroConnection, ContactLink)
    .outerjoin(
        ContactLink,
        and_(
            ContactLink.workspace_id == XeroConnection.workspace_id,
            ContactLink.tenant_id == XeroConnection.tenant_id,
            ContactLink.record_type == bindparam("record_type"),
            ContactLink.crm_contact_id == bindparam("crm_id"),
        ),
    )
    .where(XeroConnection.workspace_id == bindparam("workspace_id"))
)
