"""Xero's validation messages tied to the form fields they are about.

Xero puts most messages on the document (`Elements[0].ValidationErrors`), a few on the part they
concern (`…LineItems[2].ValidationErrors`). Messages carry no field name, so the rules below read
the wording; a line-level message naming a code ("Account code '999' is not valid…") is tied to the
lines we sent with that code. Anything the rules do not recognise stays a general message.
Add rules here when Xero's wording turns up something new.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from widget.xero.errors import XeroValidationError

_I = re.IGNORECASE

# (pattern, LineItems attribute or None for the lines as a whole). A `value` group names a code
# to find among the lines we sent.
_LINE_RULES: list[tuple[re.Pattern, str | None]] = [
    (re.compile(r"account\s*code\s*'(?P<value>[^']*)'", _I), "AccountCode"),
    (re.compile(r"account\s*(code|id)|\baccount\b", _I), "AccountCode"),
    (re.compile(r"tax\s*type(\s*code)?\s*'(?P<value>[^']*)'", _I), "TaxType"),
    (re.compile(r"tax\s*(type|rate)", _I), "TaxType"),
    (re.compile(r"item\s*(code)?\s*'(?P<value>[^']*)'", _I), "ItemCode"),
    (re.compile(r"item\s*code", _I), "ItemCode"),
    (re.compile(r"description", _I), "Description"),
    (re.compile(r"quantity", _I), "Quantity"),
    (re.compile(r"unit\s*(amount|price)", _I), "UnitAmount"),
    (re.compile(r"discount", _I), "DiscountRate"),
    (re.compile(r"line\s*items?", _I), None),
]

_DOCUMENT_RULES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"due\s*date", _I), "DueDate"),
    (re.compile(r"expiry\s*date", _I), "ExpiryDate"),
    (re.compile(r"lock\s*date|\bdate\b", _I), "Date"),
    (re.compile(r"currency", _I), "CurrencyCode"),
    (re.compile(r"line\s*amount\s*types?", _I), "LineAmountTypes"),
    (re.compile(r"reference", _I), "Reference"),
    (re.compile(r"invoice\s*(number|#)", _I), "InvoiceNumber"),
    (re.compile(r"quote\s*number", _I), "QuoteNumber"),
    (re.compile(r"\bstatus\b", _I), "Status"),
]

_CONTACT_RULES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"e-?mail", _I), "EmailAddress"),
    (re.compile(r"first\s*name", _I), "FirstName"),
    (re.compile(r"last\s*name", _I), "LastName"),
    (re.compile(r"account\s*number", _I), "AccountNumber"),
    (re.compile(r"contact\s*number", _I), "ContactNumber"),
    (re.compile(r"currency", _I), "DefaultCurrency"),
    (re.compile(r"\bname\b", _I), "Name"),
]

_CONTACT_REFERENCE = re.compile(r"\bcontact", _I)


def _messages(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, message) for every ValidationErrors entry in an echoed document, nested or not."""
    if isinstance(node, dict):
        for error in node.get("ValidationErrors") or ():
            message = error.get("Message") if isinstance(error, dict) else None
            if message:
                yield path, message
        for key, value in node.items():
            if key in ("ValidationErrors", "Warnings"):
                continue
            child = f"{path}.{key}" if path else key
            if isinstance(value, dict):
                yield from _messages(value, child)
            elif isinstance(value, list):
                for index, entry in enumerate(value):
                    yield from _messages(entry, f"{child}[{index}]")


_MISSING = re.compile(r"mandatory|required|must be specified|missing", _I)


def _lines_matching(
    lines: list[dict], attribute: str, value: str | None, message: str
) -> list[int]:
    """Which of the lines we sent a line-level message is about."""
    if value is not None:
        exact = [i for i, line in enumerate(lines) if str(line.get(attribute, "")) == value]
        if exact:
            return exact
        folded = value.casefold()
        return [
            i for i, line in enumerate(lines) if str(line.get(attribute, "")).casefold() == folded
        ]
    if _MISSING.search(message):  # "… is mandatory for each line item": the lines without it
        if attribute == "Description":  # an item supplies its own description
            return [
                i
                for i, line in enumerate(lines)
                if not line.get("Description") and not line.get("ItemCode")
            ]
        return [i for i, line in enumerate(lines) if not line.get(attribute)]
    return [0] if len(lines) == 1 else []


def _line_fields(message: str, lines: list[dict]) -> list[str] | None:
    for pattern, attribute in _LINE_RULES:
        match = pattern.search(message)
        if not match:
            continue
        if attribute is None:
            return ["LineItems"]
        indexes = _lines_matching(lines, attribute, match.groupdict().get("value"), message)
        return [f"LineItems[{i}].{attribute}" for i in indexes] or ["LineItems"]
    return None


def _document_fields(message: str, document: str, sent: dict) -> list[str]:
    if document == "Contact":
        for pattern, name in _CONTACT_RULES:
            if pattern.search(message):
                return [name]
        return []
    lines = sent.get("LineItems") or []
    fields = _line_fields(message, lines)
    if fields:
        return fields
    for pattern, name in _DOCUMENT_RULES:
        if pattern.search(message):
            return [name]
    if _CONTACT_REFERENCE.search(message):
        return ["Contact"]
    return []


def _fields_for(path: str, message: str, document: str, sent: dict) -> list[str]:
    if not path:
        return _document_fields(message, document, sent)
    line = re.fullmatch(r"LineItems\[(\d+)\]", path)
    if line:  # Xero already said which line: only the attribute is left to find
        for pattern, attribute in _LINE_RULES:
            if attribute and pattern.search(message):
                return [f"{path}.{attribute}"]
        return [path]
    if path.startswith("Contact") and document != "Contact":
        return ["Contact"]
    return [path]


def validation_error(body: dict, document: str, sent: dict | None) -> XeroValidationError:
    """A XeroValidationError from Xero's 400 body (or a 200 body whose element has errors).

    `document` is "Contact", "Invoice" or "Quote"; `sent` is the document we sent, used to find
    which line a message is about.
    """
    sent = sent or {}
    messages: list[str] = []
    field_errors: dict[str, list[str]] = {}
    tied: set[str] = set()
    for element in body.get("Elements") or [body]:
        for path, message in _messages(element):
            if message not in messages:
                messages.append(message)
            for name in _fields_for(path, message, document, sent):
                tied.add(message)
                bucket = field_errors.setdefault(name, [])
                if message not in bucket:
                    bucket.append(message)
    if not messages:
        messages.append(body.get("Message") or "Xero refused the document")
    general = [message for message in messages if message not in tied]
    return XeroValidationError(messages, field_errors, general, body=body)
