"""Money as Decimal end to end: parsed from JSON without floats, sent as exact JSON numbers.

`json.dumps` cannot write a Decimal as a bare number, and converting through float would turn
0.1 into 0.1000000000000000055…, so request bodies are written by `dumps` below.
"""

import json
from decimal import Decimal, InvalidOperation
from typing import Any


def loads(text: str | bytes) -> Any:
    """Parse Xero's JSON with every fractional number as Decimal."""
    return json.loads(text, parse_float=Decimal)


def to_decimal(value: Any) -> Decimal | None:
    """A Decimal from a parsed JSON value (Decimal, int or numeric string); None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"not an amount: {value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):  # only if someone parsed with floats: keep the shortest repr
        return Decimal(repr(value))
    try:
        return Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


def dumps(value: Any) -> str:
    """JSON text with Decimals written exactly as numbers (e.g. 0.10, 1234.5678)."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot send {value} to Xero")
        return format(value, "f")
    if isinstance(value, dict):
        items = (f"{json.dumps(str(k))}:{dumps(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    if isinstance(value, float):
        raise TypeError("use Decimal, not float, for amounts sent to Xero")
    return json.dumps(value)
