"""Matching the CRM's contacts against the connected organisation's mirror, and the admin's
review of the proposals: accept every exact match at once, or one proposal (or one of its
alternatives) at a time. Accepting links the CRM contact to the Xero contact the way a rep's
Link does (widget.contact.links: audited link.create), with 0 Xero calls: the mirror is read,
and a Xero contact must be in it (active) to be linked.

Matching needs the mirror's first sync to be done (before, most contacts would be missing).
Functions add to the session; the caller commits.
"""

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from widget.auth import audit
from widget.auth.clock import utcnow
from widget.auth.models import User
from widget.connection.models import XeroConnection
from widget.contact import links
from widget.contact.models import ContactLink
from widget.crm import matching
from widget.crm.models import CrmContact, CrmMatch
from widget.mirror.models import MirrorContact, MirrorState
from widget.suggest import INACTIVE_STATUSES

PER_PAGE = 25


class CannotMatch(Exception):
    """Why matching cannot run now, in a sentence for the admin."""


@dataclass(frozen=True)
class Scope:
    workspace_id: str
    tenant_id: str


@dataclass(frozen=True)
class ReviewRow:
    match: CrmMatch
    crm: CrmContact


@dataclass(frozen=True)
class Review:
    show: str
    counts: dict[str, int]
    rows: list[ReviewRow]
    page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))

    @property
    def matched(self) -> bool:
        return sum(self.counts.values()) > 0


def scope_of(session: Session, workspace_id: str) -> Scope:
    """The connected organisation whose mirror is ready, or CannotMatch saying what is missing."""
    query = select(XeroConnection).where(XeroConnection.workspace_id == workspace_id)
    connection = session.scalars(query).first()
    if connection is None or connection.status != "running" or not connection.tenant_id:
        raise CannotMatch("Connect Xero first: matching compares with its contacts.")
    state = session.get(MirrorState, (workspace_id, connection.tenant_id))
    if state is None or state.status != "ready":
        raise CannotMatch("Matching starts once the first sync with Xero is done.")
    return Scope(workspace_id, connection.tenant_id)


def _linked(session: Session, scope: Scope) -> dict[str, matching.XeroCandidate]:
    query = select(ContactLink).where(
        ContactLink.workspace_id == scope.workspace_id,
        ContactLink.tenant_id == scope.tenant_id,
        ContactLink.record_type == "contact",
    )
    return {
        row.crm_contact_id: matching.XeroCandidate(row.xero_contact_id, row.xero_contact_name)
        for row in session.scalars(query)
    }


def run(session: Session, scope: Scope, user: User | None) -> dict[str, int]:
    """Match every CRM contact again (replacing the previous proposals); audited."""
    crm = session.scalars(select(CrmContact).where(CrmContact.workspace_id == scope.workspace_id))
    xero = session.scalars(
        select(MirrorContact).where(
            MirrorContact.workspace_id == scope.workspace_id,
            MirrorContact.tenant_id == scope.tenant_id,
        )
    )
    proposals = matching.match_all(list(crm), list(xero), _linked(session, scope))
    session.execute(
        delete(CrmMatch).where(
            CrmMatch.workspace_id == scope.workspace_id, CrmMatch.tenant_id == scope.tenant_id
        )
    )
    now = utcnow()
    session.add_all(_row(scope, proposal, now) for proposal in proposals)
    counts = {category: 0 for category in matching.CATEGORIES}
    for proposal in proposals:
        counts[proposal.category] += 1
    audit.record(session, scope.workspace_id, user, "crm.match.run", scope.tenant_id, **counts)
    session.flush()
    return counts


def _row(scope: Scope, proposal: matching.Proposal, now) -> CrmMatch:
    return CrmMatch(
        workspace_id=scope.workspace_id,
        tenant_id=scope.tenant_id,
        crm_id=proposal.crm_id,
        category=proposal.category,
        reason=proposal.reason,
        confidence=proposal.confidence,
        xero_contact_id=proposal.xero.contact_id if proposal.xero else None,
        xero_name=(proposal.xero.name if proposal.xero else "")[:255],
        alternatives=[
            {"contact_id": alt.contact_id, "name": alt.name} for alt in proposal.alternatives
        ],
        matched_at=now,
    )


def review(session: Session, scope: Scope, show: str, page: int) -> Review:
    show = show if show in matching.CATEGORIES else matching.EXACT
    where = (CrmMatch.workspace_id == scope.workspace_id, CrmMatch.tenant_id == scope.tenant_id)
    counted = session.execute(
        select(CrmMatch.category, func.count()).where(*where).group_by(CrmMatch.category)
    ).all()
    counts = {category: 0 for category in matching.CATEGORIES} | dict(counted)
    total = counts.get(show, 0)
    page = min(max(1, page), max(1, -(-total // PER_PAGE)))
    query = (
        select(CrmMatch, CrmContact)
        .join(
            CrmContact,
            (CrmContact.workspace_id == CrmMatch.workspace_id)
            & (CrmContact.crm_id == CrmMatch.crm_id),
        )
        .where(*where, CrmMatch.category == show)
        .order_by(CrmMatch.confidence.desc(), CrmContact.name, CrmContact.crm_id)
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    )
    rows = [ReviewRow(match, crm) for match, crm in session.execute(query).all()]
    return Review(show, counts, rows, page, total)


class NotOffered(ValueError):
    """The Xero contact is not one this CRM contact may be linked to from the review."""


def _mirror_contact(session: Session, scope: Scope, contact_id: str) -> MirrorContact | None:
    row = session.get(MirrorContact, (scope.workspace_id, scope.tenant_id, contact_id))
    if row is None or (row.contact_status or "ACTIVE").upper() in INACTIVE_STATUSES:
        return None
    return row


def accept(session: Session, scope: Scope, crm_id: str, xero_contact_id: str, user: User) -> str:
    """Link the CRM contact to its proposed Xero contact or one of the alternatives; returns
    what happened, in a sentence."""
    if not (_usable(crm_id, 200) and _usable(xero_contact_id, 36)):
        raise NotOffered("Choose one of the Xero contacts offered for this CRM contact.")
    match = session.get(CrmMatch, (scope.workspace_id, scope.tenant_id, crm_id))
    if match is None or match.category == matching.LINKED:
        raise NotOffered("This CRM contact has no proposal to accept (it may be linked already).")
    offered = {match.xero_contact_id, *(alt.get("contact_id") for alt in match.alternatives)}
    contact = _mirror_contact(session, scope, xero_contact_id)
    if xero_contact_id not in offered or contact is None:
        raise NotOffered("Choose one of the Xero contacts offered for this CRM contact.")
    _link(session, scope, match, contact, user)
    crm = session.get(CrmContact, (scope.workspace_id, crm_id))
    return f"Linked {crm.name if crm else crm_id} to Xero contact {contact.name}."


def _usable(value: str, limit: int) -> bool:
    return bool(value) and len(value) <= limit and value.isprintable()


def _link(session: Session, scope: Scope, match: CrmMatch, contact: MirrorContact, user) -> None:
    key = links.LinkKey(scope.workspace_id, scope.tenant_id, match.crm_id)
    links.link(session, key, contact.contact_id, contact.name, user)
    match.category, match.reason, match.confidence = matching.LINKED, "linked", 100
    match.xero_contact_id, match.xero_name = contact.contact_id, contact.name[:255]


def accept_all_exact(session: Session, scope: Scope, user: User) -> int:
    """Link every exact proposal, each audited as a rep's Link is (link.create); returns how many
    were linked. In bulk (a few queries, one flush), so thousands take seconds: a CRM contact a
    rep linked meanwhile keeps that link, an archived Xero contact is not linked."""
    query = select(CrmMatch).where(
        CrmMatch.workspace_id == scope.workspace_id,
        CrmMatch.tenant_id == scope.tenant_id,
        CrmMatch.category == matching.EXACT,
    )
    exact = list(session.scalars(query))
    contacts = _mirror_contacts(session, scope, [m.xero_contact_id for m in exact])
    already = set(_linked(session, scope))
    now, linked = utcnow(), 0
    for match in exact:
        contact = contacts.get(match.xero_contact_id)
        if match.crm_id in already:
            match.category, match.reason, match.confidence = matching.LINKED, "linked", 100
        elif contact is not None:
            session.add(_new_link(scope, match.crm_id, contact, user, now))
            audit.record(session, scope.workspace_id, user, "link.create", contact.contact_id,
                         crm_contact_id=match.crm_id, tenant_id=scope.tenant_id,
                         xero_contact_name=contact.name)  # fmt: skip
            match.category, match.reason, match.confidence = matching.LINKED, "linked", 100
            linked += 1
    audit.record(
        session, scope.workspace_id, user, "crm.match.accept_exact", scope.tenant_id, linked=linked
    )
    session.flush()
    return linked


def _new_link(scope: Scope, crm_id: str, contact: MirrorContact, user, now) -> ContactLink:
    """The row widget.contact.links.link would add for a CRM contact not linked yet."""
    return ContactLink(
        workspace_id=scope.workspace_id,
        tenant_id=scope.tenant_id,
        record_type="contact",
        crm_contact_id=crm_id,
        xero_contact_id=contact.contact_id,
        xero_contact_name=contact.name[:255],
        linked_by_user_id=user.id if user is not None else None,
        linked_at=now,
    )


def _mirror_contacts(session: Session, scope: Scope, ids: list) -> dict[str, MirrorContact]:
    """The active mirrored contacts among `ids`, by id (500 ids per query)."""
    wanted = sorted({i for i in ids if i})
    found = {}
    for start in range(0, len(wanted), 500):
        query = select(MirrorContact).where(
            MirrorContact.workspace_id == scope.workspace_id,
            MirrorContact.tenant_id == scope.tenant_id,
            MirrorContact.contact_id.in_(wanted[start : start + 500]),
        )
        for row in session.scalars(query):
            if (row.contact_status or "ACTIVE").upper() not in INACTIVE_STATUSES:
                found[row.contact_id] = row
    return found
