"""Reading documents: rows with their key columns, `where` over them, JSON decoded on demand.

Rows are fetched with their key columns; the JSON body is decoded only when a `where` needs a
field that is not a column, and for the page that is returned.
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from widget.sandbox.models import Document
from widget.sandbox.problems import query_parse_error
from widget.sandbox.serialise import parse_date
from widget.sandbox.where import WhereError, compile_where

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100


class Record:
    """One row under a `where`: key columns directly, other fields from the decoded JSON.

    Rows come without their JSON; the first record that needs one loads the JSON of every
    record of its fetch in a single query (see `Bodies`)."""

    __slots__ = ("row", "_body", "_bodies")

    def __init__(self, row, bodies: "Bodies"):
        self.row, self._body, self._bodies = row, None, bodies

    def body(self) -> dict:
        if self._body is None:
            self._bodies.load(self._bodies.records)  # a filter reads JSON: all of them will
        return self._body


class Bodies:
    """Loads documents' JSON in one query for many records (all of a fetch, or one page)."""

    def __init__(self, session: Session, tenant_id: str, kind: str):
        self.session, self.tenant_id, self.kind = session, tenant_id, kind
        self.records: list[Record] = []

    def load(self, wanted: list[Record]) -> None:
        missing = [r for r in wanted if r._body is None]
        by_id = {r.row.doc_id: r for r in missing}
        for start in range(0, len(by_id), 500):
            chunk = list(by_id)[start : start + 500]
            rows = self.session.execute(
                select(Document.doc_id, Document.body).where(
                    Document.tenant_id == self.tenant_id,
                    Document.kind == self.kind,
                    Document.doc_id.in_(chunk),
                )
            )
            for doc_id, body in rows:
                by_id[doc_id]._body = json.loads(body)


def _walk(body: dict, path: str) -> Any:
    value: Any = body
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        key = next((k for k in value if k.lower() == part.lower()), None)
        value = value.get(key) if key else None
    if isinstance(value, str) and value.startswith("/Date("):
        return parse_date(value)
    return value


@dataclass(frozen=True)
class Fields:
    """The fields a `where` may name for one resource; some are served by columns."""

    names: frozenset[str]
    columns: dict[str, Callable[[Document], Any]]

    def known(self, path: str) -> bool:
        return path.split(".")[0].lower() in self.names

    def get(self, record: Record, path: str) -> Any:
        column = self.columns.get(path.lower())
        return column(record.row) if column else _walk(record.body(), path)


def fields(names: str, **columns: Callable[[Document], Any]) -> Fields:
    lowered = {key.lower().replace("__", "."): getter for key, getter in columns.items()}
    return Fields(frozenset(name.lower() for name in names.split()), lowered)


def apply_where(records: Iterable[Record], text: str | None, spec: Fields) -> list[Record]:
    records = list(records)
    if not text:
        return records
    try:
        predicate = compile_where(text, spec.get, spec.known)
    except WhereError as exc:
        raise query_parse_error(str(exc)) from None
    return [record for record in records if predicate(record)]


KEY_COLUMNS = [
    column
    for column in Document.__table__.columns
    if column.key not in ("body", "search_text", "tenant_id", "kind")
]


def fetch(session: Session, tenant_id: str, kind: str, *conditions, order=()) -> list[Record]:
    """Matching rows (key columns only; JSON on demand) in a stable order."""
    query = select(*KEY_COLUMNS).where(Document.tenant_id == tenant_id, Document.kind == kind)
    query = query.where(*conditions).order_by(*order, Document.position)
    loader = Bodies(session, tenant_id, kind)
    loader.records = [Record(row, loader) for row in session.execute(query)]
    return loader.records


@dataclass(frozen=True)
class Page:
    records: list[Record]
    pagination: dict | None


def int_arg(value, name: str, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise query_parse_error(f"'{value}' is not a valid value for {name}") from None


def id_list(value: str | None) -> list[str]:
    """A comma-separated query list (`IDs`, `ContactIDs`, `Statuses`…), quotes stripped."""
    return [part.strip().strip('"').strip() for part in (value or "").split(",") if part.strip()]


def date_arg(args, name: str) -> date | None:
    if not args.get(name):
        return None
    found = parse_date(args[name])
    if found is None:
        raise query_parse_error(f"'{args[name]}' is not a valid date for {name}")
    return found


def bodies(records: list[Record]) -> list[dict]:
    """The JSON of these records (one query for all of them)."""
    if records:
        records[0]._bodies.load(records)
    return [record.body() for record in records]
