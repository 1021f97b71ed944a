"""Two widget hosts as Linux network namespaces on a private bridge, for the multi-host test and
`python -m bench.hosts`.

    root namespace: bridge 10.231.N.1/24 ── Redis (the run's own, on a free port)
                                         ── PostgreSQL forwarder (socat, or a small asyncio one,
                                            to the machine's 127.0.0.1:5432, which listens only
                                            on loopback)
                                         ── the sandbox server (`flask --app wsgi sandbox serve`)
    namespace A: 10.231.N.2 ── gunicorn, 2 workers of the widget (and, for the bench, an RQ worker)
    namespace B: 10.231.N.3 ── gunicorn, 2 workers of the widget

Everything is named with the run's tag and torn down by `close()` (processes, namespaces, the
bridge, the database schema), also after a failure; `sweep_leftovers()` removes what a killed
run left. Nothing listens on any other address than the bridge's.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PREFIX = "wh"  # every namespace and link of these runs: wh<role>-<tag>
PG_LOCAL = ("127.0.0.1", 5432)
POSTGRES_BASE = "postgresql+psycopg://postgres@{host}:{port}/test"
SANDBOX_SECRET_AUTH = ("sandbox-client", "sandbox-secret")


class NetnsUnavailable(RuntimeError):
    """`ip netns` (or veth, or a bridge) is not permitted here: the reason, for pytest.skip."""


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)  # noqa: S603,S607


def netns_problem() -> str | None:
    """Why namespaces cannot be made here (None: they can)."""
    if shutil.which("ip") is None:
        return "the `ip` command is not installed"
    probe = f"{PREFIX}p-{secrets.token_hex(2)}"
    made = _ip("netns", "add", probe, check=False)
    if made.returncode != 0:
        return f"`ip netns add` is not permitted: {made.stderr.strip()}"
    _ip("netns", "del", probe, check=False)
    return None


def sweep_leftovers() -> None:
    """Namespaces and bridges of earlier runs whose process is gone (a run killed mid-way)."""
    names = _ip("netns", "list", check=False).stdout.split()
    links = re.findall(r"^\d+: ([^:@]+)", _ip("-o", "link", check=False).stdout, re.M)
    for name in [*names, *links]:
        match = re.fullmatch(rf"{PREFIX}[abr]-(\d+)x[0-9a-f]+", name)
        if match and not _alive(int(match.group(1))):
            if name in names:  # the processes a killed run left inside its namespace
                for pid in _ip("netns", "pids", name, check=False).stdout.split():
                    with contextlib.suppress(ProcessLookupError, ValueError):
                        os.kill(int(pid), signal.SIGKILL)
            _ip("netns" if name in names else "link", "del", name, check=False)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _free_subnet() -> int:
    used = _ip("-o", "addr", check=False).stdout
    for _ in range(50):
        third = secrets.choice(range(100, 250))
        if f"10.231.{third}." not in used:
            return third
    raise NetnsUnavailable("no free 10.231.x.0/24 subnet")


def free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def wait_http(url: str, process: subprocess.Popen | None, seconds: float, log: Path | None = None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            tail = log.read_text()[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"{url}: the process exited ({process.returncode}): {tail}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


class TcpForwarder:
    """PostgreSQL on the bridge address: socat when installed, else an asyncio forwarder on a
    thread of this process; at most `limit` connections at once either way."""

    def __init__(self, listen: tuple[str, int], target: tuple[str, int], limit: int = 64):
        self.listen, self.target, self.limit = listen, target, limit
        self.process: subprocess.Popen | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        host, port = self.listen
        if shutil.which("socat"):
            self.process = subprocess.Popen(  # noqa: S603 (our own command line)
                ["socat", f"TCP-LISTEN:{port},bind={host},reuseaddr,fork,max-children={self.limit}",
                 f"TCP:{self.target[0]}:{self.target[1]}"],  # fmt: skip
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        else:
            ready = threading.Event()
            self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
            self._thread.start()
            ready.wait(5)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(self.listen, 0.5):
                return
            time.sleep(0.05)
        raise RuntimeError("the PostgreSQL forwarder did not start")

    def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        slots = asyncio.Semaphore(self.limit)

        async def pipe(reader, writer):
            with contextlib.suppress(OSError):
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            writer.close()

        async def handle(reader, writer):
            async with slots:
                up_reader, up_writer = await asyncio.open_connection(*self.target)
                await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

        async def main():
            server = await asyncio.start_server(handle, *self.listen)
            ready.set()
            async with server:
                await server.serve_forever()

        with contextlib.suppress(asyncio.CancelledError, RuntimeError):
            self._loop.run_until_complete(main())

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)
        if self._loop is not None:
            for task in asyncio.all_tasks(self._loop):
                self._loop.call_soon_threadsafe(task.cancel)


def _wait_redis(url: str, seconds: float = 10) -> None:
    import redis

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(redis.RedisError):
            if redis.Redis.from_url(url, socket_timeout=0.5).ping():
                return
        time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def _stop(process: subprocess.Popen, seconds: float = 10) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)  # gunicorn: quick shutdown
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@dataclass
class Host:
    name: str
    namespace: str
    address: str
    url: str = ""


@dataclass
class Cluster:
    """Made by `start()`, undone by `close()` (both safe to call after a partial start)."""

    folder: Path
    widget_workers: int = 2
    widget_threads: int = 4
    rq_worker: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)
    tag: str = field(default_factory=lambda: f"{os.getpid()}x{secrets.token_hex(1)}")
    hosts: list[Host] = field(default_factory=list)
    processes: list[tuple[str, subprocess.Popen]] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)
    bridge: str | None = None
    forwarder: TcpForwarder | None = None
    schema: str | None = None

    # --- addresses ----------------------------------------------------------------------------

    def start(self) -> Cluster:
        sweep_leftovers()
        third = _free_subnet()
        self.gateway = f"10.231.{third}.1"
        self._bridge(third)
        for index, role in enumerate(("a", "b")):
            self.hosts.append(self._namespace(role, f"10.231.{third}.{index + 2}"))
        self._services()
        for host in self.hosts:
            self._widget(host)
        if self.rq_worker:
            self._worker(self.hosts[0])
        for host in self.hosts:
            wait_http(f"{host.url}/healthz", None, 40)
        return self

    def _bridge(self, third: int) -> None:
        self.bridge = f"{PREFIX}r-{self.tag}"
        made = _ip("link", "add", self.bridge, "type", "bridge", check=False)
        if made.returncode != 0:
            self.bridge = None
            raise NetnsUnavailable(f"`ip link add … type bridge` failed: {made.stderr.strip()}")
        _ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")

    def _namespace(self, role: str, address: str) -> Host:
        namespace = f"{PREFIX}{role}-{self.tag}"
        made = _ip("netns", "add", namespace, check=False)
        if made.returncode != 0:
            raise NetnsUnavailable(f"`ip netns add` failed: {made.stderr.strip()}")
        self.namespaces.append(namespace)
        outside, inside = f"{PREFIX}{role}o{self.tag}", f"{PREFIX}{role}i{self.tag}"  # <= 15
        _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
        _ip("link", "set", inside, "netns", namespace)
        _ip("link", "set", outside, "master", self.bridge)
        _ip("link", "set", outside, "up")
        run = ("netns", "exec", namespace, "ip")
        _ip(*run, "addr", "add", f"{address}/24", "dev", inside)
        _ip(*run, "link", "set", inside, "up")
        _ip(*run, "link", "set", "lo", "up")
        return Host(role.upper(), namespace, address)

    # --- what every host shares -----------------------------------------------------------------

    def _services(self) -> None:
        from sqlalchemy import create_engine, text

        self.redis_port = free_port(self.gateway)
        password = secrets.token_hex(12)  # off loopback Redis refuses clients without one
        self._spawn("redis", ["redis-server", "--port", str(self.redis_port), "--bind",
                              self.gateway, "--requirepass", password, "--save", "",
                              "--appendonly", "no", "--dir", str(self.folder)])  # fmt: skip
        self.redis_url = f"redis://:{password}@{self.gateway}:{self.redis_port}/0"
        _wait_redis(self.redis_url)

        self.schema = f"hosts_{self.tag}"
        engine = create_engine(POSTGRES_BASE.format(host=PG_LOCAL[0], port=PG_LOCAL[1]))
        with engine.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {self.schema}"))
        engine.dispose()
        self.forwarder = TcpForwarder((self.gateway, free_port(self.gateway)), PG_LOCAL)
        self.forwarder.start()
        options = f"?options=-csearch_path%3D{self.schema}"
        self.local_database_url = POSTGRES_BASE.format(host=PG_LOCAL[0], port=PG_LOCAL[1]) + options
        self.database_url = (
            POSTGRES_BASE.format(host=self.gateway, port=self.forwarder.listen[1]) + options
        )

        self.sandbox_database_url = f"sqlite:///{self.folder / 'sandbox.sqlite3'}"
        port = free_port(self.gateway)
        self.sandbox_url = f"http://{self.gateway}:{port}"
        self.sandbox_log = self.folder / "sandbox-access.log"
        self._spawn("sandbox", [str(BIN / "flask"), "--app", "wsgi", "sandbox", "serve", "--host",
                                self.gateway, "--port", str(port), "--threads", "16"],
                    env=self.env(), log=self.sandbox_log)  # fmt: skip
        wait_http(f"{self.sandbox_url}/healthz", self.processes[-1][1], 30, self.sandbox_log)
        self._migrate()

    def env(self, **more: str) -> dict[str, str]:
        """What every widget process is given (the README's settings for several hosts)."""
        from cryptography.fernet import Fernet

        if not hasattr(self, "_keys"):
            self._keys = Fernet.generate_key().decode()
        base = {k: v for k, v in os.environ.items() if not k.startswith(("XERO_", "REDIS_"))}
        return {
            **base,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "SECRET_KEY": f"hosts-secret-{self.tag}",
            "TOKEN_ENCRYPTION_KEYS": self._keys,
            "SANDBOX_DATABASE_URL": self.sandbox_database_url,
            "XERO_SANDBOX_URL": f"{self.sandbox_url}/sandbox/xero",
            "MIRROR_START_ON_CONNECT": "0",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
            **self.extra_env,
            **more,
        }

    def _migrate(self) -> None:
        env = self.env(DATABASE_URL=self.local_database_url)
        subprocess.run(  # noqa: S603 (our own command line)
            [sys.executable, "-c", "from widget import create_app; from widget.db import migrate; "
             "migrate(create_app())"],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip

    def setup_app(self):
        """An app in this process on the same database, Redis and sandbox store (for setup:
        workspaces, links, reading the sandbox's documents)."""
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(self.env(DATABASE_URL=self.local_database_url))
        try:
            from widget import create_app

            return create_app()
        finally:
            os.environ.clear()
            os.environ.update(saved)

    # --- the hosts' processes -------------------------------------------------------------------

    def _widget(self, host: Host) -> None:
        host.url = f"http://{host.address}:8000"
        command = ["ip", "netns", "exec", host.namespace, str(BIN / "gunicorn"),
                   "--bind", f"{host.address}:8000", "--workers", str(self.widget_workers),
                   "--threads", str(self.widget_threads), "--limit-request-line", "0",
                   "--log-level", "warning", "wsgi:app"]  # fmt: skip
        self._spawn(f"widget-{host.name}", command, env=self.env(WEB_CONCURRENCY=str(
            self.widget_workers)), log=self.folder / f"widget-{host.name}.log")  # fmt: skip

    def _worker(self, host: Host) -> None:
        command = ["ip", "netns", "exec", host.namespace, str(BIN / "flask"), "--app", "wsgi",
                   "widget", "worker"]  # fmt: skip
        self._spawn(f"worker-{host.name}", command, env=self.env(),
                    log=self.folder / f"worker-{host.name}.log")  # fmt: skip

    def _spawn(self, name: str, command: list[str], *, env=None, log: Path | None = None) -> None:
        out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 (kept by the child)
        process = subprocess.Popen(  # noqa: S603 (our own command lines)
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.processes.append((name, process))

    def python_on(self, host: Host, code: str) -> subprocess.Popen:
        """`python -c code` on the host (in its namespace), with the widget's settings."""
        command = ["ip", "netns", "exec", host.namespace, sys.executable, "-c", code]
        return subprocess.Popen(  # noqa: S603 (our own command line)
            command, cwd=ROOT, env=self.env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip

    # --- the sandbox's side -----------------------------------------------------------------------

    def xero_calls(self) -> list[tuple[str, str, int]]:
        """(method, path, status) of every call the sandbox answered, from its access log."""
        calls = []
        for line in self.sandbox_log.read_text().splitlines():
            match = re.search(r'"(\w+) (/sandbox/xero/\S+)" (\d{3})', line)
            if match:
                calls.append((match.group(1), match.group(2), int(match.group(3))))
        return calls

    def advance_sandbox_clock(self, seconds: float) -> None:
        answer = requests.post(f"{self.sandbox_url}/sandbox/xero/_control/clock",
                               json={"advance_seconds": seconds}, auth=SANDBOX_SECRET_AUTH,
                               timeout=10)  # fmt: skip
        answer.raise_for_status()

    # --- teardown -------------------------------------------------------------------------------

    def close(self) -> None:
        for _name, process in reversed(self.processes):
            with contextlib.suppress(Exception):
                _stop(process)
        if self.forwarder is not None:
            self.forwarder.stop()
        for namespace in self.namespaces:
            _ip("netns", "del", namespace, check=False)
        if self.bridge is not None:
            _ip("link", "del", self.bridge, check=False)
        if self.schema is not None:
            self._drop_schema()

    def _drop_schema(self) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(POSTGRES_BASE.format(host=PG_LOCAL[0], port=PG_LOCAL[1]))
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE"))
        engine.dispose()

    def __enter__(self) -> Cluster:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc) -> None:
        self.close()
