import json
from decimal import Decimal

import pytest

from widget.xero.money import dumps, loads, to_decimal


def test_json_numbers_become_decimals_without_passing_through_float():
    body = loads('{"AmountDue": 0.1, "Total": 1234567890.12, "Rate": 0.937053, "Qty": 3}')
    assert body["AmountDue"] == Decimal("0.1")
    assert body["Total"] == Decimal("1234567890.12")
    assert isinstance(body["Rate"], Decimal)
    assert sum((body["AmountDue"], Decimal("0.2"))) == Decimal("0.3")


def test_decimals_are_written_as_exact_json_numbers():
    text = dumps({"UnitAmount": Decimal("0.1") + Decimal("0.2"), "Q": Decimal("12.3456")})
    assert text == '{"UnitAmount":0.3,"Q":12.3456}'
    assert dumps([Decimal("1E+2"), Decimal("-0.50"), 7, True, None, 'a"b']) == (
        '[100,-0.50,7,true,null,"a\\"b"]'
    )
    # and the result is ordinary JSON
    assert json.loads(text, parse_float=Decimal)["UnitAmount"] == Decimal("0.3")


def test_floats_and_non_finite_amounts_are_refused():
    with pytest.raises(TypeError):
        dumps({"UnitAmount": 0.1})
    with pytest.raises(ValueError):
        dumps(Decimal("NaN"))
    with pytest.raises(ValueError):
        dumps(Decimal("Infinity"))


def test_to_decimal():
    assert to_decimal(None) is None
    assert to_decimal("") is None
    assert to_decimal(5) == Decimal(5)
    assert to_decimal("12.50") == Decimal("12.50")
    assert to_decimal(0.1) == Decimal("0.1")  # shortest repr, not 0.1000000000000000055…
    with pytest.raises(ValueError):
        to_decimal("abc")
    with pytest.raises(ValueError):
        to_decimal(True)
