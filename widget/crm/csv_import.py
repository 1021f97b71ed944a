"""CRM contacts and users from a CSV file (the admin page's upload) or pasted lines of people.

A file needs a header row naming its columns (any order, any case; unknown columns are ignored).
Pasted people need none: each line is `id, name, email[, access]`. Each bad row is reported with
its line number and why; the good rows are saved (idempotently), so fixing the bad lines and
uploading the whole file again is safe.
"""

import csv
import io
from dataclasses import dataclass, replace

from widget.crm import rows

MAX_ROWS = 20_000
KINDS = {
    "contacts": (rows.CONTACT_FIELDS, rows.contact_row, ("id",)),
    "users": (rows.USER_FIELDS, rows.user_row, ("id",)),
}
PASTED_COLUMNS = ("id", "name", "email", "access")


class UnreadableFile(ValueError):
    """The file as a whole cannot be read (not text, no header, too many rows)."""


@dataclass
class Parsed:
    rows: list
    errors: list[rows.RowError]


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile("the file is not UTF-8 text (save it as CSV UTF-8)") from exc


def _records(reader, columns, first_line: int) -> tuple[list[dict], list[int]]:
    records, lines = [], []
    for line, values in enumerate(reader, start=first_line):
        if not any(value.strip() for value in values):
            continue
        if len(records) >= MAX_ROWS:
            raise UnreadableFile(f"more than {MAX_ROWS:,} rows: split the file")
        records.append(dict(zip(columns, values, strict=False)))
        lines.append(line)
    return records, lines


def _checked(records, lines, parse) -> Parsed:
    good, errors = rows.check_all(records, parse)
    # report line numbers, not indexes (a repeated id's "first at" too)
    return Parsed(good, [_on_lines(error, lines) for error in errors])


def _on_lines(error: rows.RowError, lines: list[int]) -> rows.RowError:
    message = error.message
    if "(first at " in message:
        first = int(message.rsplit("(first at ", 1)[1].rstrip(")"))
        message = message.rsplit("(first at ", 1)[0] + f"(first on line {lines[first]})"
    return replace(error, where=lines[error.where], message=message)


def parse_csv(data: bytes, kind: str) -> Parsed:
    fields, parse, required = KINDS[kind]
    reader = csv.reader(io.StringIO(_text(data), newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise UnreadableFile("the file is empty")
        columns = [name.strip().lower().replace(" ", "_") for name in header]
        missing = [name for name in required if name not in columns]
        if missing:
            expected = ", ".join(fields)
            raise UnreadableFile(f"the first row must name the columns ({expected})")
        records, lines = _records(reader, columns, first_line=2)
    except csv.Error as exc:
        raise UnreadableFile(f"not a CSV file: {exc}") from exc
    return _checked(records, lines, parse)


def parse_pasted(text: str, default_access: str | None) -> Parsed:
    """People pasted one per line: `id, name, email[, access]` (a header line is skipped)."""
    lines_ = text.splitlines()
    if lines_ and lines_[0].strip().lower().startswith("id,"):
        lines_[0] = ""
    try:
        records, lines = _records(csv.reader(lines_), PASTED_COLUMNS, first_line=1)
    except csv.Error as exc:
        raise UnreadableFile(f"could not read the list: {exc}") from exc
    for record in records:
        if not (record.get("access") or "").strip():
            record["access"] = default_access
        else:
            record["access"] = record["access"].strip().lower()
    return _checked(records, lines, rows.user_row)
