"""The sandbox as its own server (`flask --app wsgi sandbox serve`): one process whose limits
count every call, whichever widget worker or host makes it, as Xero counts them."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import obtain_tokens
from tests.scale.servers import ROOT, free_port

API = "/api.xero.com/api.xro/2.0"


@pytest.fixture
def sandbox_server(tmp_path):
    port = free_port()
    env = {**os.environ, "SANDBOX_DATABASE_URL": f"sqlite:///{tmp_path / 'sandbox.sqlite3'}",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'widget.sqlite3'}",
           "SANDBOX_MINUTE_LIMIT": "12", "SANDBOX_CONCURRENT_LIMIT": "50",
           "PYTHONPATH": str(ROOT)}  # fmt: skip
    flask = str(Path(sys.executable).with_name("flask"))
    process = subprocess.Popen(  # noqa: S603 (our own command line)
        [flask, "--app", "wsgi", "sandbox", "serve", "--port", str(port), "--threads", "8"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=2).json()["serves"] == "sandbox":
                break
        except requests.RequestException:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError(process.stderr.read()[-2000:])
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_the_sandbox_server_counts_every_call_against_the_minute_limit(sandbox_server):
    tokens = obtain_tokens(f"{sandbox_server}/sandbox/xero")
    statuses: list[int] = []
    lock = threading.Lock()

    def worker():  # as several widget workers would, each with its own connection
        with requests.Session() as session:
            for _ in range(5):
                answer = session.get(f"{sandbox_server}/sandbox/xero{API}/Organisation",
                                     headers=tokens.headers(), timeout=30)  # fmt: skip
                with lock:
                    statuses.append(answer.status_code)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200] * 12 + [429] * 8


def test_the_sandbox_server_serves_only_the_sandbox(sandbox_server):
    assert requests.get(f"{sandbox_server}/contact", timeout=10).status_code == 404
    assert requests.get(f"{sandbox_server}/admin", timeout=10).status_code == 404
