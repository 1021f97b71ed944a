"""Every route × every role with generated bad input, on SQLite and PostgreSQL: never a 5xx and
never a traceback in the log (bench/fuzz.py builds the requests; `python -m bench.fuzz` runs the
long version). Derandomised, so a run is repeatable; bounded to stay well under two minutes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.fuzz import FuzzTarget, fuzz_once, hypothesis_settings, sweep

#: Hypothesis examples per route (and ten times that many fuzzed launches), per database
EXAMPLES_PER_ROUTE = 15


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def target(request, tmp_path_factory):
    from tests import conftest

    folder = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    sandbox_url = f"sqlite:///{folder / 'sandbox.sqlite3'}"
    if request.param == "sqlite":
        database_url = f"sqlite:///{folder / 'widget.sqlite3'}"
    else:
        conftest._postgres_url.used = True
        database_url = conftest._postgres_url()
    with FuzzTarget(database_url, sandbox_url) as fuzz_target:
        yield fuzz_target


def test_every_route_as_the_role_it_wants_survives_hostile_values_in_every_field(target):
    failures = [o for o in sweep(target) if o.status >= 500 or o.problems]
    assert failures == []


def _fuzzed(target, route, counter: list[int]):
    """A Hypothesis test of one route (None: fuzzed launch tokens)."""

    @hypothesis_settings(EXAMPLES_PER_ROUTE * (10 if route is None else 1), derandomize=True)
    @given(st.data())
    def request_once(data):
        outcome = fuzz_once(target, data, route)
        counter.append(outcome.status)
        assert outcome.status < 500, (outcome.status, outcome.method, outcome.url)
        assert outcome.problems == [], (outcome.method, outcome.url, outcome.problems)

    return request_once


def test_every_route_and_role_survives_generated_bad_input(target):
    statuses: list[int] = []
    for route in [*target.routes, None]:
        _fuzzed(target, route, statuses)()
    assert len(statuses) >= len(target.routes) * 3, "too few requests to mean much"
