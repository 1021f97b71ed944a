"""The README's server-to-server examples, exactly as printed there, run against the app on a
real socket: Python (standard library) and Node 20 (crypto + fetch). Each pushes contacts and a
user into a workspace of its own, which then holds them."""

import ast
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.auth.fixtures import make_tenant
from widget.auth.users import find_by_crm_id
from widget.crm.models import CrmContact

README = Path(__file__).resolve().parents[2] / "README.md"
NODE = shutil.which("node") or "/usr/bin/node"


def example(language: str) -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"<!-- crm-api-example: {language} -->\n```\w+\n(.*?)\n```", text, re.DOTALL)
    assert match, f"the README has no {language} example for the CRM API"
    return match.group(1)


def _run(command: list[str], server, tenant) -> list[str]:
    environment = {
        **os.environ,
        "WIDGET_URL": server.url,
        "WORKSPACE_ID": tenant.id,
        "WIDGET_SECRET": tenant.secret,
    }
    done = subprocess.run(
        command, env=environment, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def _stored(server, tenant) -> dict[str, str]:
    with server.app.extensions["db_sessionmaker"]() as session:
        query = select(CrmContact).where(CrmContact.workspace_id == tenant.id)
        return {row.crm_id: row.name for row in session.scalars(query)}


def _check(server, tenant, printed: list[str]) -> None:
    assert len(printed) == 2
    assert _stored(server, tenant) == {"c-42": "Jo Bloggs", "c-43": "Zoë Ōtaki"}
    with server.app.extensions["db_sessionmaker"]() as session:
        ana = find_by_crm_id(session, tenant.id, "u-1001")
        assert ana is not None and ana.access == "edit" and ana.launched_at is None


def test_the_python_example(live_server, tmp_path):
    tenant = make_tenant(live_server.app)
    script = tmp_path / "push.py"
    script.write_text(example("python"), encoding="utf-8")
    printed = _run([sys.executable, str(script)], live_server, tenant)
    _check(live_server, tenant, printed)
    answers = [ast.literal_eval(line) for line in printed]  # the example prints dicts
    assert answers[0] == {"received": 2, "created": 2, "updated": 0, "unchanged": 0}
    assert answers[1] == {"received": 1, "created": 1, "updated": 0, "unchanged": 0}


@pytest.mark.skipif(not Path(NODE).exists(), reason="node is not installed")
def test_the_node_example_and_sending_it_again_changes_nothing(live_server, tmp_path):
    tenant = make_tenant(live_server.app)
    script = tmp_path / "push.js"
    script.write_text(example("node"), encoding="utf-8")
    first = _run([NODE, str(script)], live_server, tenant)
    _check(live_server, tenant, first)
    assert "created: 2" in first[0] and "created: 1" in first[1]
    time.sleep(1.1)  # a new second: a new signature (the same one would be a replay)
    again = _run([NODE, str(script)], live_server, tenant)
    assert "created: 0" in again[0] and "unchanged: 2" in again[0]
    _check(live_server, tenant, again)


def test_a_wrong_secret_fails_the_node_example_with_the_reason(live_server, tmp_path):
    if not Path(NODE).exists():
        pytest.skip("node is not installed")
    tenant = make_tenant(live_server.app)
    script = tmp_path / "push.js"
    script.write_text(example("node"), encoding="utf-8")
    environment = {
        **os.environ,
        "WIDGET_URL": live_server.url,
        "WORKSPACE_ID": tenant.id,
        "WIDGET_SECRET": "not-the-secret",
    }
    done = subprocess.run(
        [NODE, str(script)], env=environment, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1 and "401 bad_signature" in done.stderr
    assert _stored(live_server, tenant) == {}
