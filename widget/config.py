"""Settings from environment variables, with defaults that run the product on one machine.

Everything that differs between a laptop and production is read here once, so the rest of the code
reads `app.config` and never `os.environ`.
"""

import os
from pathlib import Path

#: The Xero hosts the client talks to. The sandbox mirrors each one as a path prefix.
XERO_HOSTS = ("login.xero.com", "identity.xero.com", "api.xero.com")

DEFAULT_SCOPES = (
    "offline_access openid profile email "
    "accounting.contacts accounting.invoices accounting.settings.read"
)


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a whole number, not {raw!r}") from exc


def _env_switch(name: str) -> bool | None:
    """on/off (1/0, true/false, yes/no); None when unset (the code's own default applies)."""
    raw = _env(name)
    if raw is None:
        return None
    if raw.lower() in ("1", "on", "true", "yes"):
        return True
    if raw.lower() in ("0", "off", "false", "no"):
        return False
    raise RuntimeError(f"{name} must be on or off, not {raw!r}")


def _governor_settings() -> dict:
    """GOVERNOR_* variables as given (widget.xero.governor reads and types each one it knows)."""
    return {name: value for name, value in os.environ.items() if name.startswith("GOVERNOR_")}


def from_environment(instance_path: str) -> dict:
    """Configuration for `create_app`; safe defaults: SQLite in the instance folder, the sandbox."""
    client_id = _env("XERO_CLIENT_ID")
    client_secret = _env("XERO_CLIENT_SECRET")
    use_sandbox = not (client_id and client_secret)
    return _governor_settings() | {
        "SECRET_KEY": _env("SECRET_KEY"),
        # Fernet keys (comma-separated, newest first) for tokens and secrets at rest.
        "TOKEN_ENCRYPTION_KEYS": _env("TOKEN_ENCRYPTION_KEYS"),
        "DATABASE_URL": _env(
            "DATABASE_URL", "sqlite:///" + str(Path(instance_path) / "widget.sqlite3")
        ),
        "REDIS_URL": _env("REDIS_URL"),
        # Prefix of every Redis key (several deployments or test runs may share one Redis).
        "REDIS_KEY_PREFIX": _env("REDIS_KEY_PREFIX", "widget:"),
        "LOG_LEVEL": _env("LOG_LEVEL", "INFO"),
        "PANEL_SESSION_IDLE_SECONDS": _env_int("PANEL_SESSION_IDLE_SECONDS", 15 * 60),
        # Request size limits (bytes), answered with 413: the whole body; one form field of a
        # multipart body, or a whole url-encoded body; and the parts of a multipart body. The
        # biggest valid form (a draft of 100 lines) is far below them.
        "MAX_CONTENT_LENGTH": _env_int("MAX_CONTENT_LENGTH", 1024 * 1024),
        "MAX_FORM_MEMORY_SIZE": _env_int("MAX_FORM_MEMORY_SIZE", 512 * 1024),
        "MAX_FORM_PARTS": _env_int("MAX_FORM_PARTS", 2000),
        # The demo CRM page frames the panels from the other loopback name on the same port.
        "DEMO_WORKSPACE_ORIGINS": _env(
            "DEMO_WORKSPACE_ORIGINS",
            "http://localhost:{port} http://127.0.0.1:{port}".format(port=_env("PORT", "5000")),
        ),
        # Xero: real when both credentials are set, otherwise the built-in sandbox.
        "XERO_USE_SANDBOX": use_sandbox,
        "XERO_CLIENT_ID": client_id or "sandbox-client",
        "XERO_CLIENT_SECRET": client_secret or "sandbox-secret",
        "XERO_SCOPES": _env("XERO_SCOPES", DEFAULT_SCOPES),
        # The consent callback Xero redirects to (registered with the Xero app); unset means
        # this app's /admin/xero/callback at the request's host. Pin it behind a proxy that
        # hides the public host or scheme; keep it on the panels' host (the popup's cookie).
        "XERO_REDIRECT_URI": _env("XERO_REDIRECT_URI"),
        # Where the sandbox is reached over HTTP; unset means "this app, at the request's host".
        "XERO_SANDBOX_URL": _env("XERO_SANDBOX_URL"),
        "XERO_TIMEOUT_SECONDS": float(_env("XERO_TIMEOUT_SECONDS", "10")),
        # The organisation mirror (widget.mirror): a stale mirror queues a sync when a panel
        # opens; Refresh syncs at most this often per organisation; the webhook signing key
        # (Xero's developer portal; the sandbox's sender signs with the default).
        "MIRROR_FRESHNESS_SECONDS": _env_int("MIRROR_FRESHNESS_SECONDS", 60),
        "MIRROR_REFRESH_MIN_SECONDS": _env_int("MIRROR_REFRESH_MIN_SECONDS", 10),
        "MIRROR_SYNC_CALLS_PER_MINUTE": _env_int("MIRROR_SYNC_CALLS_PER_MINUTE", 50),
        # with webhooks on (a key is set, unless MIRROR_WEBHOOKS=off), contacts, invoices and
        # credit notes are read again only this often (quotes have no webhook)
        "MIRROR_FULL_SYNC_SECONDS": _env_int("MIRROR_FULL_SYNC_SECONDS", 900),
        "MIRROR_WEBHOOKS": _env_switch("MIRROR_WEBHOOKS"),
        # a resource whose polls find nothing new is polled less often, down to this
        "MIRROR_QUIET_MAX_SECONDS": _env_int("MIRROR_QUIET_MAX_SECONDS", 900),
        # connecting an organisation starts its first sync (unset: yes, except in test apps)
        "MIRROR_START_ON_CONNECT": _env_switch("MIRROR_START_ON_CONNECT"),
        "XERO_WEBHOOK_KEY": _env(
            "XERO_WEBHOOK_KEY", "sandbox-webhook-key" if use_sandbox else None
        ),
        # Background jobs: threads in the web process, or RQ queue JOB_QUEUE on REDIS_URL.
        "JOB_THREADS": _env_int("JOB_THREADS", 2),
        "JOB_QUEUE": _env("JOB_QUEUE", "widget"),
        # Sandbox behaviour (ignored with real Xero).
        "SANDBOX_ENABLED": _env("SANDBOX_ENABLED", "1" if use_sandbox else "0") == "1",
        "SANDBOX_DAILY_LIMIT": _env_int("SANDBOX_DAILY_LIMIT", 5000),
        "SANDBOX_MINUTE_LIMIT": _env_int("SANDBOX_MINUTE_LIMIT", 60),
        "SANDBOX_CONCURRENT_LIMIT": _env_int("SANDBOX_CONCURRENT_LIMIT", 5),
        "SANDBOX_APP_MINUTE_LIMIT": _env_int("SANDBOX_APP_MINUTE_LIMIT", 10000),
        # How long an Idempotency-Key is remembered (sandbox clock seconds; Xero: about 6 min).
        "SANDBOX_IDEMPOTENCY_SECONDS": _env_int("SANDBOX_IDEMPOTENCY_SECONDS", 360),
        # Seed of the demo data (same seed and day: same organisations, contacts, documents).
        "SANDBOX_SEED": _env_int("SANDBOX_SEED", 20261122),
        # The one app the sandbox knows (the widget's XERO_CLIENT_ID/SECRET when sandboxed).
        "SANDBOX_CLIENT_ID": "sandbox-client",
        "SANDBOX_CLIENT_SECRET": "sandbox-secret",
        # The sandbox keeps its organisations in a database of its own (shared by CLI and server).
        "SANDBOX_DATABASE_URL": _env(
            "SANDBOX_DATABASE_URL", "sqlite:///" + str(Path(instance_path) / "sandbox.sqlite3")
        ),
    }


def xero_host_base(config: dict, host: str, request_root: str | None = None) -> str:
    """Base URL for one of Xero's hosts: the real one, or its mirror inside the sandbox."""
    if host not in XERO_HOSTS:
        raise ValueError(f"not a Xero host: {host}")
    if not config["XERO_USE_SANDBOX"]:
        return f"https://{host}"
    sandbox = config.get("XERO_SANDBOX_URL")
    if not sandbox:
        if request_root is None:
            raise RuntimeError("XERO_SANDBOX_URL is unset and no request to derive it from")
        sandbox = request_root.rstrip("/") + "/sandbox/xero"
    return f"{sandbox.rstrip('/')}/{host}"
