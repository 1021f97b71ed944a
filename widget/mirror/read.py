"""Every panel query over the mirror tables: figures, paged lists, contacts, search candidates.

Each function takes the (workspace, organisation) it reads for and never returns a row of any
other: the mirror is filed per workspace AND tenant. Rows come back as the Xero client's own
dataclasses (`Invoice`, `Quote`, `Contact`) and `CreditNote` here, so the pure modules
(widget.summary, widget.suggest) and the panels take them as they take Xero's answers.

Bounded by design: figures read only what counts (AUTHORISED invoices and bills, open quotes,
AUTHORISED credit notes) plus the newest drafts; lists are pages of `PAGE_SIZE` (a contact with
3,000 invoices gives 25 rows and "More", not a 5 MB fragment); search narrows candidates in SQL
(email, name-key word prefixes) and ranks a bounded set in Python (widget.suggest).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import String, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from widget import suggest as suggesting
from widget.mirror.models import MirrorContact, MirrorCreditNote, MirrorInvoice, MirrorQuote
from widget.summary import AUTHORISED, BILL, DRAFT, SALES
from widget.xero.models import Contact, ContactPerson, Invoice, Quote

PAGE_SIZE = 25
#: drafts listed under the figures (newest first): enough to see the one just raised
DRAFTS_LISTED = 25
#: ids per IN (…) list: well inside SQLite's and PostgreSQL's bound-parameter limits
IDS_PER_QUERY = 500
#: candidates read for one search or suggestion list before ranking in Python
CANDIDATE_LIMIT = 200
#: characters of each typed word that narrow the candidates (typos after them are forgiven)
PREFIX_LENGTH = 3
MAX_PAGE = 10_000

#: what a paged list may show: kind -> (its filters, the default)
LIST_FILTERS = {
    "invoices": ("outstanding", "paid", "draft", "all"),
    "bills": ("outstanding", "paid", "draft", "all"),
    "quotes": ("open", "all"),
    "credit_notes": ("available", "all"),
}


@dataclass(frozen=True)
class MirrorScope:
    """One organisation as mirrored for one workspace: the unit nothing crosses."""

    workspace_id: str
    tenant_id: str


@dataclass(frozen=True)
class CreditNote:
    """A credit note as the summary reads it (widget.summary.CreditNoteLike)."""

    credit_note_id: str
    type: str
    credit_note_number: str | None
    reference: str | None
    contact_id: str | None
    contact_name: str | None
    status: str
    date: date | None
    currency_code: str | None
    currency_rate: object
    total: object
    remaining_credit: object
    updated_at: datetime | None


@dataclass(frozen=True)
class SummaryDocuments:
    """What a summary over some contacts needs, read from the mirror."""

    invoices: tuple[Invoice, ...]
    quotes: tuple[Quote, ...]
    credit_notes: tuple[CreditNote, ...]


@dataclass(frozen=True)
class Page:
    """One page of a list, newest first; `more` says whether a next page exists."""

    items: tuple
    page: int
    more: bool


# --- figures ----------------------------------------------------------------------------------


def summary_documents(
    session: Session,
    scope: MirrorScope,
    contact_ids: Iterable[str],
    open_statuses: Collection[str],
) -> SummaryDocuments:
    """The documents behind the figures of these contacts: AUTHORISED invoices and bills (the
    outstanding ones: an AUTHORISED document with nothing due is PAID), the newest drafts, open
    quotes and AUTHORISED credit notes."""
    ids = _ids(contact_ids)
    if not ids:
        return SummaryDocuments((), (), ())
    invoices: list[Invoice] = []
    quotes: list[Quote] = []
    notes: list[CreditNote] = []
    for chunk in _chunks(ids):
        invoices += _invoices(
            session, _of(MirrorInvoice, scope, chunk).where(MirrorInvoice.status == AUTHORISED)
        )
        quotes += _quotes(
            session,
            _of(MirrorQuote, scope, chunk).where(
                MirrorQuote.status.in_(sorted({s.upper() for s in open_statuses}))
            ),
        )
        notes += _credit_notes(
            session,
            _of(MirrorCreditNote, scope, chunk).where(MirrorCreditNote.status == AUTHORISED),
        )
    for invoice_type in (SALES, BILL):
        drafts = (
            _of(MirrorInvoice, scope, ids)
            .where(MirrorInvoice.status == DRAFT, MirrorInvoice.type == invoice_type)
            .order_by(MirrorInvoice.date.desc(), MirrorInvoice.invoice_id)
            .limit(DRAFTS_LISTED)
        )
        invoices += _invoices(session, drafts)
    return SummaryDocuments(tuple(invoices), tuple(quotes), tuple(notes))


def invoices_by_id(session: Session, scope: MirrorScope, ids: Iterable[str]) -> list[Invoice]:
    """These invoices in any status (a deal's picks: paid, voided or deleted ones are noted)."""
    found: list[Invoice] = []
    for chunk in _chunks(_ids(ids)):
        found += _invoices(
            session, _scoped(MirrorInvoice, scope).where(MirrorInvoice.invoice_id.in_(chunk))
        )
    return found


def quotes_by_id(session: Session, scope: MirrorScope, ids: Iterable[str]) -> list[Quote]:
    found: list[Quote] = []
    for chunk in _chunks(_ids(ids)):
        found += _quotes(
            session, _scoped(MirrorQuote, scope).where(MirrorQuote.quote_id.in_(chunk))
        )
    return found


def paid_invoices(
    session: Session, scope: MirrorScope, contact_ids: Iterable[str], paid_after: date
) -> list[Invoice]:
    """These contacts' PAID sales invoices fully paid after `paid_after` (how they pay:
    widget.paying). Bounded by the date: a year of one customer's invoices, not its history."""
    found: list[Invoice] = []
    for chunk in _chunks(_ids(contact_ids)):
        query = _of(MirrorInvoice, scope, chunk).where(
            MirrorInvoice.type == SALES,
            MirrorInvoice.status == "PAID",
            MirrorInvoice.fully_paid_on_date > paid_after,
        )
        found += _invoices(session, query)
    return found


# --- paged lists ------------------------------------------------------------------------------


def documents_page(
    session: Session,
    scope: MirrorScope,
    contact_ids: Iterable[str],
    kind: str,
    *,
    status: str | None = None,
    text: str | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> Page:
    """One page of a contact's (or several contacts') documents of a kind, newest first.

    `kind`: invoices, bills, quotes or credit_notes; `status`: one of LIST_FILTERS[kind] (the
    first by default); `text`: part of the number or reference."""
    filters = LIST_FILTERS[kind]
    status = status if status in filters else filters[0]
    page = min(max(1, page), MAX_PAGE)
    ids = _ids(contact_ids)
    if not ids:
        return Page((), page, False)
    model, number, key = _LISTED[kind]
    query = _of(model, scope, ids[:IDS_PER_QUERY])
    query = query.where(*_status_filter(kind, status))
    if text and text.strip():
        pattern = "%" + _escape_like(text.strip().casefold()[:100]) + "%"
        query = query.where(
            or_(
                func.lower(number).like(pattern, escape="\\"),
                func.lower(model.reference).like(pattern, escape="\\"),
            )
        )
    query = (
        query.order_by(model.date.desc(), number.desc(), key)
        .offset((page - 1) * page_size)
        .limit(page_size + 1)
    )
    rows = _READERS[kind](session, query)
    return Page(tuple(rows[:page_size]), page, len(rows) > page_size)


def choices_page(
    session: Session,
    scope: MirrorScope,
    contact_ids: Iterable[str],
    *,
    open_only: bool,
    open_quote_statuses: Collection[str],
    text: str | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> Page:
    """A deal's Choose documents: these contacts' sales invoices and quotes together, newest
    first (voided and deleted ones left out); `open_only`: drafts, submitted and AUTHORISED
    invoices and open quotes. Each table is read no further than the page asked for."""
    page = min(max(1, page), MAX_PAGE // 10)
    ids = _ids(contact_ids)[:IDS_PER_QUERY]
    if not ids:
        return Page((), page, False)
    enough = page * page_size + 1
    invoices = _of(MirrorInvoice, scope, ids).where(
        MirrorInvoice.type == SALES, MirrorInvoice.status.notin_(("VOIDED", "DELETED"))
    )
    quotes = _of(MirrorQuote, scope, ids).where(MirrorQuote.status != "DELETED")
    if open_only:
        invoices = invoices.where(MirrorInvoice.status.in_((DRAFT, "SUBMITTED", AUTHORISED)))
        quotes = quotes.where(
            MirrorQuote.status.in_(sorted({s.upper() for s in open_quote_statuses}))
        )
    found: list = []
    for model, query, number, reader in (
        (MirrorInvoice, invoices, MirrorInvoice.invoice_number, _invoices),
        (MirrorQuote, quotes, MirrorQuote.quote_number, _quotes),
    ):
        if text and text.strip():
            pattern = "%" + _escape_like(text.strip().casefold()[:100]) + "%"
            query = query.where(
                or_(
                    func.lower(number).like(pattern, escape="\\"),
                    func.lower(model.reference).like(pattern, escape="\\"),
                )
            )
        found += reader(session, query.order_by(model.date.desc(), number.desc()).limit(enough))
    found.sort(key=_date_and_number, reverse=True)
    start = (page - 1) * page_size
    return Page(tuple(found[start : start + page_size]), page, len(found) > start + page_size)


def _date_and_number(document) -> tuple:
    number = getattr(document, "invoice_number", None) or getattr(document, "quote_number", "")
    return (document.date or date.min, number or "")


def _status_filter(kind: str, status: str) -> list:
    if kind in ("invoices", "bills"):
        of_type = MirrorInvoice.type == (SALES if kind == "invoices" else BILL)
        wanted = {
            "outstanding": [MirrorInvoice.status == AUTHORISED],
            "paid": [MirrorInvoice.status == "PAID"],
            "draft": [MirrorInvoice.status.in_((DRAFT, "SUBMITTED"))],
            "all": [MirrorInvoice.status.notin_(("DELETED",))],
        }[status]
        return [of_type, *wanted]
    if kind == "quotes":
        if status == "open":
            return [MirrorQuote.status.in_(("DRAFT", "SENT"))]
        return [MirrorQuote.status.notin_(("DELETED",))]
    if status == "available":
        return [MirrorCreditNote.status == AUTHORISED]
    return [MirrorCreditNote.status.notin_(("DELETED",))]


# --- contacts ---------------------------------------------------------------------------------


def contact(session: Session, scope: MirrorScope, contact_id: str) -> Contact | None:
    found = contacts_by_id(session, scope, [contact_id])
    return found.get(contact_id.lower())


def contacts_by_id(session: Session, scope: MirrorScope, ids: Iterable[str]) -> dict[str, Contact]:
    """These contacts by (lower-case) id; ids not in the mirror are simply absent."""
    found: dict[str, Contact] = {}
    for chunk in _chunks(_ids(ids)):
        query = _scoped(MirrorContact, scope).where(MirrorContact.contact_id.in_(chunk))
        for row in session.execute(query):
            found[row.contact_id.lower()] = _contact(row)
    return found


def survivor(session: Session, scope: MirrorScope, contact_id: str) -> Contact | None:
    """The contact a merged contact now lives on (following MergedToContactID, loops refused),
    or None when `contact_id` was not merged or its survivor is not mirrored."""
    seen = {contact_id.lower()}
    current = contact(session, scope, contact_id)
    if current is None or not current.merged_to_contact_id:
        return None
    while current is not None and current.merged_to_contact_id:
        target = current.merged_to_contact_id.lower()
        if target in seen:
            return None
        seen.add(target)
        current = contact(session, scope, target)
    return current


def current_ids(session: Session, scope: MirrorScope, ids: Iterable[str]) -> list[str]:
    """The contacts these ids now stand for: each itself, or a merged one's survivor (each once)."""
    wanted = _ids(ids)
    known = contacts_by_id(session, scope, wanted)
    merged = {i for i, c in known.items() if c.merged_to_contact_id}
    current = []
    for contact_id in wanted:
        found = survivor(session, scope, contact_id) if contact_id in merged else None
        current.append(found.contact_id.lower() if found is not None else contact_id)
    return list(dict.fromkeys(current))


def company_candidates(
    session: Session, scope: MirrorScope, name: str, domains: Iterable[str]
) -> list[Contact]:
    """The contacts that could be a CRM company: by the words of its name, and by its domains."""
    found = {c.contact_id: c for c in _candidates(session, scope, words=_name_words(name))}
    for domain in domains:
        for contact in _candidates(session, scope, domain=suggesting.email_key(domain)):
            found.setdefault(contact.contact_id, contact)
    return list(found.values())


def suggestion_candidates(
    session: Session, scope: MirrorScope, crm: suggesting.CrmContact
) -> list[Contact]:
    """The contacts that could be suggested for a CRM record: its email (on the contact or a
    contact person), its email domain (not a mail provider's), and the words of its names."""
    email = suggesting.email_key(crm.email)
    domain = email.rsplit("@", 1)[1] if "@" in email else ""
    if domain and suggesting.is_freemail(domain):
        domain = ""
    names = " ".join(n for n in (crm.full_name, crm.name or "", crm.company or "") if n)
    return _candidates(session, scope, email=email, domain=domain, words=_name_words(names))


def search_candidates(session: Session, scope: MirrorScope, term: str) -> list[Contact]:
    """The contacts a typed term could find: its email (or part of one) and its words."""
    typed = suggesting.email_key(term)
    email_part = typed if len(typed) >= 3 and " " not in typed else ""
    return _candidates(session, scope, email_part=email_part, words=_name_words(term))


def _candidates(
    session: Session,
    scope: MirrorScope,
    *,
    email: str = "",
    domain: str = "",
    email_part: str = "",
    words: Sequence[str] = (),
) -> list[Contact]:
    persons = func.lower(cast(MirrorContact.contact_persons, String))
    exact: list = []
    email, domain, email_part = _storable(email), _storable(domain), _storable(email_part)
    if email:
        exact.append(MirrorContact.email_key == email)
        exact.append(persons.like("%" + _escape_like(email) + "%", escape="\\"))
    if domain:
        exact.append(MirrorContact.email_key.like("%@" + _escape_like(domain), escape="\\"))
        exact.append(persons.like("%@" + _escape_like(domain) + "%", escape="\\"))
    if email_part:
        pattern = "%" + _escape_like(email_part) + "%"
        exact.append(MirrorContact.email_key.like(pattern, escape="\\"))
        exact.append(persons.like(pattern, escape="\\"))
    per_word = [_word_starts(word) for word in words]
    # every word typed starts a word of the name first (the likely hits), then any word does
    # (typos in the other words): the limit then cuts only among the weaker candidates
    stages = [[or_(*exact)] if exact else [], [and_(*per_word)] if per_word else []]
    stages.append([or_(*per_word)] if len(per_word) > 1 else [])
    found: dict[str, Contact] = {}
    for conditions in stages:
        if not conditions or len(found) >= CANDIDATE_LIMIT:
            continue
        query = (
            _scoped(MirrorContact, scope)
            .where(*conditions)
            .order_by(MirrorContact.name_key, MirrorContact.contact_id)
            .limit(CANDIDATE_LIMIT)
        )
        for row in session.execute(query):
            found.setdefault(row.contact_id, _contact(row))
    missing = suggesting.missing_merge_targets(found.values())
    if missing:  # a merged contact stands for its survivor: have the survivors at hand
        found.update(contacts_by_id(session, scope, missing))
    return list(found.values())


def _word_starts(word: str):
    """A word of the name (name key, first or last name) starts like this word typed."""
    prefix = _escape_like(word[:PREFIX_LENGTH])
    return or_(
        MirrorContact.name_key.like(prefix + "%", escape="\\"),
        MirrorContact.name_key.like("% " + prefix + "%", escape="\\"),
        func.lower(MirrorContact.first_name).like(prefix + "%", escape="\\"),
        func.lower(MirrorContact.last_name).like(prefix + "%", escape="\\"),
    )


def _name_words(text: str) -> list[str]:
    """Distinct words of a name as the mirror's name_key spells them (legal suffixes kept out
    when the name has other words)."""
    words = suggesting.normalise_name(text).split() or suggesting.search_words(text)
    return list(dict.fromkeys(w for w in words if w))[:8]


# --- rows to the client's dataclasses ---------------------------------------------------------


def _invoices(session: Session, query) -> list[Invoice]:
    return [
        Invoice(
            invoice_id=row.invoice_id,
            type=row.type,
            invoice_number=row.invoice_number,
            reference=row.reference,
            contact_id=row.contact_id,
            contact_name=row.contact_name,
            status=row.status,
            date=row.date,
            due_date=row.due_date,
            currency_code=row.currency_code,
            currency_rate=row.currency_rate,
            line_amount_types=None,
            line_items=(),
            sub_total=row.sub_total,
            total_tax=row.total_tax,
            total=row.total,
            amount_due=row.amount_due,
            amount_paid=row.amount_paid,
            amount_credited=row.amount_credited,
            updated_at=row.xero_updated_at,
            fully_paid_on_date=row.fully_paid_on_date,
        )  # fmt: skip
        for row in session.execute(query)
    ]


def _quotes(session: Session, query) -> list[Quote]:
    return [
        Quote(
            quote_id=row.quote_id,
            quote_number=row.quote_number,
            reference=row.reference,
            contact_id=row.contact_id,
            contact_name=row.contact_name,
            status=row.status,
            date=row.date,
            expiry_date=row.expiry_date,
            currency_code=row.currency_code,
            currency_rate=row.currency_rate,
            line_amount_types=None,
            line_items=(),
            sub_total=row.sub_total,
            total_tax=row.total_tax,
            total=row.total,
            updated_at=row.xero_updated_at,
            title=row.title,
        )  # fmt: skip
        for row in session.execute(query)
    ]


def _credit_notes(session: Session, query) -> list[CreditNote]:
    return [
        CreditNote(
            credit_note_id=row.credit_note_id,
            type=row.type,
            credit_note_number=row.credit_note_number,
            reference=row.reference,
            contact_id=row.contact_id,
            contact_name=row.contact_name,
            status=row.status,
            date=row.date,
            currency_code=row.currency_code,
            currency_rate=row.currency_rate,
            total=row.total,
            remaining_credit=row.remaining_credit,
            updated_at=row.xero_updated_at,
        )  # fmt: skip
        for row in session.execute(query)
    ]


def _contact(row) -> Contact:
    persons = tuple(
        ContactPerson(p.get("first_name"), p.get("last_name"), p.get("email_address"))
        for p in row.contact_persons or ()
        if isinstance(p, dict)
    )
    return Contact(
        contact_id=row.contact_id, name=row.name, first_name=row.first_name,
        last_name=row.last_name, email_address=row.email_address,
        contact_status=row.contact_status, is_customer=bool(row.is_customer),
        is_supplier=bool(row.is_supplier), contact_persons=persons,
        merged_to_contact_id=row.merged_to_contact_id, updated_at=row.xero_updated_at,
        contact_number=row.contact_number,
    )  # fmt: skip


_LISTED = {
    "invoices": (MirrorInvoice, MirrorInvoice.invoice_number, MirrorInvoice.invoice_id),
    "bills": (MirrorInvoice, MirrorInvoice.invoice_number, MirrorInvoice.invoice_id),
    "quotes": (MirrorQuote, MirrorQuote.quote_number, MirrorQuote.quote_id),
    "credit_notes": (
        MirrorCreditNote,
        MirrorCreditNote.credit_note_number,
        MirrorCreditNote.credit_note_id,
    ),
}
_READERS = {
    "invoices": _invoices,
    "bills": _invoices,
    "quotes": _quotes,
    "credit_notes": _credit_notes,
}


# --- helpers ----------------------------------------------------------------------------------


def _scoped(model, scope: MirrorScope):
    """The scope's rows of a mirror table, as plain rows (no ORM objects to build and track:
    these are read, converted and dropped)."""
    return select(*model.__table__.columns).where(
        model.workspace_id == scope.workspace_id, model.tenant_id == scope.tenant_id
    )


def _of(model, scope: MirrorScope, ids: list[str]):
    """The scope's rows of these contacts (Xero's GUIDs are lower-case, as `_ids` gives them)."""
    return _scoped(model, scope).where(model.contact_id.in_(ids))


def _ids(ids: Iterable[str | None]) -> list[str]:
    """Each id once, lower-case (Xero's GUIDs), in first-seen order; blanks dropped."""
    cleaned = (_storable(i).strip().lower() for i in ids if i)
    return list(dict.fromkeys(i for i in cleaned if i))


def _chunks(ids: list[str]) -> list[list[str]]:
    return [ids[start : start + IDS_PER_QUERY] for start in range(0, len(ids), IDS_PER_QUERY)]


def _escape_like(value: str) -> str:
    value = _storable(value)
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _storable(value: str) -> str:
    """Text a database accepts as a parameter: no NUL (PostgreSQL refuses it), no lone
    surrogates (not encodable): typed or signed input may carry either."""
    return value.replace("\x00", "").encode("utf-8", "ignore").decode("utf-8")
