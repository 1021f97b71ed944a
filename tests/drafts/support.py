"""Helpers for the drafts tests: a linked contact panel, its forms read and sent the way the
browser sends them (every line's fields repeated in page order), and the sandbox's own records."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser

from sqlalchemy import select

from tests.contact.support import ContactServer, link_panel, stored
from widget.sandbox.models import Document

LINE_FIELDS = ("item_code", "description", "quantity", "unit_amount", "account_code", "tax_type")


class FormReader(HTMLParser):
    """The named controls of the first <form> (outside <template>) with their current values,
    plus every <option> of each select, and which fields carry messages."""

    def __init__(self, text: str):
        super().__init__()
        self.pairs: list[tuple[str, str]] = []
        self.options: dict[str, list[str]] = {}
        self.invalid: list[str] = []
        self._in_form = self._template = 0
        self._select: str | None = None
        self._selected: str | None = None
        self._first: str | None = None
        self._textarea: str | None = None
        self._text = ""
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._in_form += 1
        if tag == "template":
            self._template += 1
        if not self._in_form or self._template:
            return
        name = attrs.get("name")
        if "aria-invalid" in attrs and name:
            self.invalid.append(name)
        if tag == "input" and name and attrs.get("type") not in ("checkbox", "submit"):
            self.pairs.append((name, attrs.get("value") or ""))
        elif tag == "input" and name and "checked" in attrs:
            self.pairs.append((name, attrs.get("value") or "on"))
        elif tag == "select" and name:
            self._select, self._selected, self._first = name, None, None
            self.options.setdefault(name, [])
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            self.options[self._select].append(value)
            if self._first is None:
                self._first = value
            if "selected" in attrs:
                self._selected = value
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_endtag(self, tag):
        if tag == "template":
            self._template -= 1
        elif tag == "form":
            self._in_form -= 1
        elif tag == "select" and self._select:
            chosen = self._selected if self._selected is not None else self._first
            self.pairs.append((self._select, chosen or ""))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.pairs.append((self._textarea, self._text))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text += data


@dataclass
class DraftPost:
    """A form as the browser would send it: header fields and lines (dicts of LINE_FIELDS)."""

    kind: str
    header: dict[str, str]
    lines: list[dict[str, str]]
    options: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, kind: str, html: str) -> DraftPost:
        reader = FormReader(html)
        header: dict[str, str] = {}
        columns: dict[str, list[str]] = {name: [] for name in LINE_FIELDS}
        for name, value in reader.pairs:
            if name in columns:
                columns[name].append(value)
            else:
                header[name] = value
        count = len(columns["description"])
        lines = [{name: columns[name][i] for name in LINE_FIELDS} for i in range(count)]
        return cls(kind, header, lines, reader.options)

    @property
    def blank_line(self) -> dict[str, str]:
        """A new line as "Add line" makes it: the first line's account and tax rate defaults."""
        first = self.lines[0] if self.lines else {}
        return {
            "item_code": "",
            "description": "",
            "quantity": "1",
            "unit_amount": "",
            "account_code": first.get("account_code", ""),
            "tax_type": first.get("tax_type", ""),
        }

    def with_lines(self, *lines: dict) -> DraftPost:
        """The form with these lines (each filled over a blank line)."""
        self.lines = [{**self.blank_line, **line} for line in lines]
        return self

    def set(self, **header) -> DraftPost:
        self.header.update(header)
        return self

    def data(self) -> list[tuple[str, str]]:
        pairs = list(self.header.items())
        for line in self.lines:
            pairs += [(name, line[name]) for name in LINE_FIELDS]
        return pairs


def new_form(panel, kind: str) -> DraftPost:
    page = panel.get(f"/drafts/{kind}/new")
    assert page.status_code == 200, page.text[:1000]
    return DraftPost.read(kind, page.text)


def send(panel, post: DraftPost):
    return panel.browser.post(
        f"{panel.server.url}/drafts/{post.kind}", data=post.data(), timeout=30
    )


def customer(server: ContactServer, org: str, index: int = 0) -> dict:
    """An active Xero contact of the organisation (by position, so tests can use different ones)."""
    contacts = [c for c in stored(server, org, "contact") if c.get("ContactStatus") == "ACTIVE"]
    contacts.sort(key=lambda c: c["Name"])
    return contacts[index % len(contacts)]


def linked(server: ContactServer, workspace, org: str, index: int = 0, **options):
    contact = customer(server, org, index)
    return link_panel(server, workspace, contact["ContactID"], **options), contact


def document(server: ContactServer, org: str, kind: str, doc_id: str) -> dict:
    tenant_id = server.org(org).tenant_id
    with server.sandbox.sessions() as session:
        body = session.scalar(
            select(Document.body).where(
                Document.tenant_id == tenant_id, Document.kind == kind, Document.doc_id == doc_id
            )
        )
    assert body is not None, f"the sandbox has no {kind} {doc_id}"
    return json.loads(body, parse_float=Decimal)


def with_reference(server: ContactServer, org: str, kind: str, reference: str) -> list[dict]:
    """The sandbox's documents of a kind carrying this reference (a bill's is its number)."""
    name = "InvoiceNumber" if kind == "bill" else "Reference"
    store_kind = "quote" if kind == "quote" else "invoice"
    return [d for d in stored(server, org, store_kind) if d.get(name) == reference]


CREATED_ID = re.compile(r'data-xero-id="([0-9a-f-]{36})"')


def created_id(text: str) -> str:
    match = CREATED_ID.search(text)
    assert match, text[:1500]
    return match.group(1)
