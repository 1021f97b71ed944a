"""Listing documents as Xero does: `If-Modified-Since`, `order` (default oldest-updated first,
then the id) and paging, in SQL when the filters allow it so that a large organisation pages fast.

A `where` that is not an indexed column (or any other filter done in Python) makes the listing
read every matching row's key columns first; otherwise count, order and the page are SQL.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from widget.sandbox.models import Document
from widget.sandbox.problems import query_parse_error
from widget.sandbox.query import (
    _KEY_COLUMNS,
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Fields,
    Page,
    Record,
    _Bodies,
    _int,
)
from widget.sandbox.where import WhereError, tokenize

_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$"
)
_ORDER_PART = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_.]*)(?:\s+(ASC|DESC))?\s*$", re.IGNORECASE)

#: Order fields served by a column, for every kind of document.
COMMON_COLUMNS = {
    "updateddateutc": Document.updated_at,
    "status": Document.status,
    "type": Document.type,
    "date": Document.date,
    "duedate": Document.due_date,
    "contact.contactid": Document.contact_id,
}


def modified_since(header: str | None) -> datetime | None:
    """`If-Modified-Since` as naive UTC: `YYYY-MM-DDTHH:MM:SS` (UTC; an offset is honoured) or
    RFC 1123 (`Sat, 22 Nov 2026 10:00:00 GMT`). *Guess*: an unreadable value is ignored, as
    HTTP servers do with a bad conditional header."""
    text = (header or "").strip()
    if not text:
        return None
    match = _ISO.match(text)
    if match:
        zone = match.group(8)
        iso = text if not zone or zone != "Z" else text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(iso.replace(" ", "T"))
        except ValueError:
            return None
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return moment.replace(microsecond=0)  # Xero reads the header to the second
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


@dataclass(frozen=True)
class OrderKey:
    field: str
    descending: bool


def parse_order(text: str | None, spec: Fields) -> list[OrderKey]:
    """`order=Name ASC, UpdatedDateUTC DESC`; a field the resource lacks is Xero's 400."""
    if not text or not text.strip():
        return []
    keys = []
    for part in text.split(","):
        match = _ORDER_PART.match(part)
        if not match:
            raise query_parse_error(f"Invalid order: '{text}'")
        field, direction = match.group(1), (match.group(2) or "ASC").upper()
        if not spec.known(field):
            raise query_parse_error(f"No property or field '{field}' exists in the order by")
        keys.append(OrderKey(field, direction == "DESC"))
    return keys


DEFAULT_ORDER = [OrderKey("UpdatedDateUTC", False)]

#: `where` fields a plain equality can send straight to an indexed column (value normalised
#: as stored): the optimised filters Xero recommends for a sync.
EQUALITY_COLUMNS = {
    "type": (Document.type, str.upper),
    "status": (Document.status, str.upper),
    "contact.contactid": (Document.contact_id, str.lower),
}


def sql_where(text: str | None) -> list | None:
    """`Type=="ACCREC" AND Contact.ContactID==guid("…")` as SQL conditions; None when the
    clause is anything else (then it is evaluated in Python, which handles all of it)."""
    if not text or not text.strip():
        return None
    try:
        tokens = tokenize(text)
    except WhereError:
        return None
    conditions, position = [], 0
    while True:
        found = _equality(tokens, position)
        if found is None:
            return None
        condition, position = found
        conditions.append(condition)
        if position == len(tokens):
            return conditions
        if tokens[position].text.upper() not in ("AND", "&&"):
            return None
        position += 1


def _equality(tokens, at: int):
    parts = [token.text for token in tokens[at : at + 6]]
    if len(parts) < 3 or parts[1] not in ("==", "="):
        return None
    column = EQUALITY_COLUMNS.get(parts[0].lower())
    if column is None:
        return None
    if tokens[at + 2].kind == "string":
        value, end = parts[2][1:-1], at + 3
    elif parts[2].lower() == "guid" and parts[3:6] and parts[3] == "(" and parts[5] == ")":
        value, end = parts[4].strip('"'), at + 6
    else:
        return None
    return column[0] == column[1](value), end


@dataclass
class Listing:
    """What one list call asks for; `run` answers it."""

    kind: str
    spec: Fields
    #: order field (lower case) -> column, beyond COMMON_COLUMNS
    columns: dict
    conditions: list
    #: a filter that needs the rows in Python (`where`, a search over the JSON), or None
    python_filter: Callable[[list[Record]], list[Record]] | None = None

    def run(self, session: Session, tenant_id: str, args, headers, *, paged: bool, sized=True):
        conditions = list(self.conditions)
        since = modified_since(headers.get("If-Modified-Since"))
        if since is not None:
            # "later than" a whole second: 10:00:00.500 is later than 10:00:00
            conditions.append(Document.updated_at > since)
        order = parse_order(args.get("order"), self.spec) or DEFAULT_ORDER
        sql_order = self._sql_order(order)
        paging = _paging(args, paged, sized)
        query = select(*_KEY_COLUMNS).where(
            Document.tenant_id == tenant_id, Document.kind == self.kind, *conditions
        )
        loader = _Bodies(session, tenant_id, self.kind)
        if self.python_filter is None and sql_order is not None:
            return _sql_page(session, query, sql_order, paging, loader)
        if sql_order is not None:
            query = query.order_by(*sql_order)
        records = [Record(row, loader) for row in session.execute(query)]
        loader.records = records
        if self.python_filter is not None:
            records = self.python_filter(records)
        if sql_order is None:
            records = _python_sorted(records, order, self._getter)
        return _python_page(records, paging)

    def _column(self, field: str):
        return self.columns.get(field.lower()) or COMMON_COLUMNS.get(field.lower())

    def _getter(self, record: Record, field: str):
        column = self._column(field)
        return (
            getattr(record.row, column.key) if column is not None else self.spec.get(record, field)
        )

    def _sql_order(self, order: list[OrderKey]) -> list | None:
        clauses = []
        for key in order:
            column = self._column(key.field)
            if column is None:
                return None
            clauses.append(column.desc() if key.descending else column.asc())
        return [*clauses, Document.doc_id.asc()]


@dataclass(frozen=True)
class _Paging:
    page: int
    size: int


def _paging(args, paged: bool, sized: bool) -> _Paging | None:
    if "page" not in args and not paged:
        return None
    page = max(_int(args.get("page"), "page", 1), 1)
    size = DEFAULT_PAGE_SIZE
    if sized and args.get("pageSize"):
        size = min(max(_int(args.get("pageSize"), "pageSize", size), 1), MAX_PAGE_SIZE)
    return _Paging(page, size)


def _pagination(paging: _Paging, count: int) -> dict:
    return {
        "page": paging.page,
        "pageSize": paging.size,
        "pageCount": (count + paging.size - 1) // paging.size,
        "itemCount": count,
    }


def _sql_page(session, query, order, paging: _Paging | None, loader: _Bodies) -> Page:
    if paging is None:
        records = [Record(row, loader) for row in session.execute(query.order_by(*order))]
        loader.records = records
        return Page(records, None)
    count = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(
        query.order_by(*order).limit(paging.size).offset((paging.page - 1) * paging.size)
    )
    records = [Record(row, loader) for row in rows]
    loader.records = records
    return Page(records, _pagination(paging, count))


def _python_page(records: list[Record], paging: _Paging | None) -> Page:
    if paging is None:
        return Page(records, None)
    start = (paging.page - 1) * paging.size
    return Page(records[start : start + paging.size], _pagination(paging, len(records)))


def _python_sorted(records: list[Record], order: list[OrderKey], getter) -> list[Record]:
    records = sorted(records, key=lambda r: r.row.doc_id)
    for key in reversed(order):
        records.sort(key=lambda r, f=key.field: _sortable(getter(r, f)), reverse=key.descending)
    return records


def _sortable(value):
    """Comparable whatever the values: missing ones last, text without case."""
    if isinstance(value, str):
        value = value.lower()
    if isinstance(value, bool):
        value = int(value)
    if value is None:
        return (True, "", 0)
    return (False, type(value).__name__, value)
