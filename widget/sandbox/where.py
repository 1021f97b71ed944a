"""Xero's `where` filter language (a subset of .NET LINQ), parsed into a predicate.

Supported: `Field == "text"` (also `=`, `!=`, `<`, `>`, `<=`, `>=`), `guid("…")`,
`DateTime(y,m,d[,h,m,s])`, numbers, `true`/`false`/`null`, `Field.Contains("…")`,
`.StartsWith("…")`, `.EndsWith("…")`, `AND`/`&&`, `OR`/`||`, `NOT`/`!` and parentheses.
String comparisons are case-insensitive, as Xero's are. Anything else raises `WhereError`, which
the API answers with 400 QueryParseException.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"[^"]*")
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op>==|!=|<=|>=|&&|\|\||[<>=!(),])
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    )""",
    re.VERBOSE,
)
_METHODS = {"contains", "startswith", "endswith"}


class WhereError(ValueError):
    pass


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


def tokenize(text: str) -> list[Token]:
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise WhereError(f"Unexpected character at position {pos}")
        kind = match.lastgroup
        tokens.append(Token(kind, match.group(kind)))
        pos = match.end()
    return tokens


Record = Any
Getter = Callable[[Record, str], Any]
Predicate = Callable[[Record], bool]


class _Parser:
    def __init__(self, tokens: list[Token], getter: Getter, known: Callable[[str], bool]):
        self.tokens, self.pos, self.get, self.known = tokens, 0, getter, known

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, text: str | None = None) -> Token:
        token = self.peek()
        if token is None or (text is not None and token.text.upper() != text.upper()):
            raise WhereError(f"Expected {text or 'more input'}")
        self.pos += 1
        return token

    def is_next(self, *texts: str) -> bool:
        token = self.peek()
        return token is not None and token.kind in ("op", "ident") and token.text.upper() in texts

    def parse(self) -> Predicate:
        if not self.tokens:
            raise WhereError("Empty where clause")
        predicate = self.or_expr()
        if self.peek() is not None:
            raise WhereError(f"Unexpected '{self.peek().text}'")
        return predicate

    def or_expr(self) -> Predicate:
        parts = [self.and_expr()]
        while self.is_next("OR", "||"):
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda r: any(p(r) for p in parts))

    def and_expr(self) -> Predicate:
        parts = [self.unary()]
        while self.is_next("AND", "&&"):
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda r: all(p(r) for p in parts))

    def unary(self) -> Predicate:
        if self.is_next("NOT", "!"):
            self.take()
            inner = self.unary()
            return lambda r: not inner(r)
        if self.is_next("("):
            self.take("(")
            inner = self.or_expr()
            self.take(")")
            return inner
        return self.comparison()

    def comparison(self) -> Predicate:
        token = self.take()
        if token.kind != "ident":
            raise WhereError(f"Expected a field name, not '{token.text}'")
        field, _, method = token.text.rpartition(".")
        if method.lower() in _METHODS and field:
            return self.method_call(field, method.lower())
        field = token.text
        if not self.known(field):
            raise WhereError(f"No property or field '{field}' exists")
        op = self.take()
        if op.text not in ("==", "=", "!=", "<", ">", "<=", ">="):
            raise WhereError(f"Expected a comparison operator, not '{op.text}'")
        value = self.value()
        return _compare(self.get, field, op.text, value)

    def method_call(self, field: str, method: str) -> Predicate:
        if not self.known(field):
            raise WhereError(f"No property or field '{field}' exists")
        self.take("(")
        argument = self.value()
        self.take(")")
        if not isinstance(argument, str):
            raise WhereError(f"{method} needs a string")
        needle = argument.lower()
        test = {
            "contains": lambda s: needle in s,
            "startswith": lambda s: s.startswith(needle),
            "endswith": lambda s: s.endswith(needle),
        }[method]

        def predicate(record: Record) -> bool:
            found = self.get(record, field)
            return isinstance(found, str) and test(found.lower())

        return predicate

    def value(self) -> Any:
        token = self.take()
        if token.kind == "string":
            return token.text[1:-1]
        if token.kind == "number":
            return Decimal(token.text)
        if token.kind != "ident":
            raise WhereError(f"Expected a value, not '{token.text}'")
        word = token.text.lower()
        if word in ("true", "false"):
            return word == "true"
        if word == "null":
            return None
        if word == "guid":
            self.take("(")
            text = self.take()
            self.take(")")
            if text.kind != "string":
                raise WhereError("guid() needs a quoted id")
            return text.text[1:-1].lower()
        if word == "datetime":
            return self.datetime_args()
        raise WhereError(f"Unknown value '{token.text}'")

    def datetime_args(self) -> date:
        self.take("(")
        numbers = []
        while True:
            token = self.take()
            if token.kind != "number":
                raise WhereError("DateTime() takes numbers")
            numbers.append(int(Decimal(token.text)))
            if self.is_next(")"):
                self.take(")")
                break
            self.take(",")
        if len(numbers) not in (3, 6):
            raise WhereError("DateTime() takes year, month, day[, hour, minute, second]")
        try:
            stamp = datetime(*numbers)
        except ValueError as exc:
            raise WhereError(f"Invalid DateTime: {exc}") from exc
        return stamp.date() if len(numbers) == 3 else stamp


def _normalise(found: Any, value: Any) -> tuple[Any, Any]:
    if isinstance(value, str) and isinstance(found, str):
        return found.lower(), value.lower()
    if isinstance(value, date) and not isinstance(value, datetime):
        found = found.date() if isinstance(found, datetime) else found
    if isinstance(value, datetime) and isinstance(found, date) and not isinstance(found, datetime):
        found = datetime.combine(found, datetime.min.time())
    if isinstance(value, Decimal) and isinstance(found, int | float | str):
        try:
            found = Decimal(str(found))
        except InvalidOperation:
            return found, value
    return found, value


def _compare(getter: Getter, field: str, op: str, value: Any) -> Predicate:
    def predicate(record: Record) -> bool:
        found, wanted = _normalise(getter(record, field), value)
        if op in ("==", "="):
            return found == wanted
        if op == "!=":
            return found != wanted
        if found is None or wanted is None:
            return False
        try:
            return {
                "<": found < wanted,
                ">": found > wanted,
                "<=": found <= wanted,
                ">=": found >= wanted,
            }[op]
        except TypeError:
            return False

    return predicate


def compile_where(text: str, getter: Getter, known: Callable[[str], bool]) -> Predicate:
    """A predicate over records; `getter(record, "Contact.ContactID")` reads a field's value."""
    return _Parser(tokenize(text), getter, known).parse()
