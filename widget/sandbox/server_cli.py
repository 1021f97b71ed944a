"""`flask --app wsgi sandbox serve`: the built-in Xero as a server of its own, for setups where
several widget workers or hosts call it (they point XERO_SANDBOX_URL at it).

Xero counts an organisation's calls however many of our processes make them. Embedded in a
several-worker widget, each worker's sandbox would count only its own calls and let several
times the limit through; so this server runs ONE gunicorn worker with many threads, and that one
process's counters see every call (calls in flight, per minute, per day, per app minute). The
sandbox's state (organisations, tokens, documents) is its database, SANDBOX_DATABASE_URL: give
the widget's CLI the same one to drive it (`sandbox token`, `sandbox fault`, …).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import click
from flask import Flask, jsonify

from widget import config as settings

ROOT = Path(__file__).resolve().parents[2]


def sandbox_app() -> Flask:
    """A WSGI app serving only the sandbox (under /sandbox/xero) and /healthz."""
    from widget import sandbox

    app = Flask("widget.sandbox.server", instance_path=str(ROOT / "instance"))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(settings.from_environment(app.instance_path))
    sandbox.init_app(app)

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok", serves="sandbox")

    return app


def gunicorn_command(host: str, port: int, threads: int) -> list[str]:
    gunicorn = shutil.which("gunicorn") or str(Path(sys.executable).with_name("gunicorn"))
    return [gunicorn, "--workers", "1", "--threads", str(threads),
            "--bind", f"{host}:{port}", "--access-logfile", "-",
            "--access-logformat", '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms',
            "widget.sandbox.server_cli:sandbox_app()"]  # fmt: skip


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5001, show_default=True, type=int)
@click.option("--threads", default=16, show_default=True, type=int, help="Calls served at once.")
def serve_command(host: str, port: int, threads: int) -> None:
    """Run the sandbox as its own server (one worker, so its limits count every call)."""
    click.echo(f"Xero sandbox at http://{host}:{port}/sandbox/xero: set the widget's "
               f"XERO_SANDBOX_URL to that (Ctrl-C stops it)")  # fmt: skip
    os.chdir(ROOT)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
    )
    command = gunicorn_command(host, port, threads)
    os.execv(command[0], command)  # noqa: S606 (our own command line)
