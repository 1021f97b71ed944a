"""CRM origins allowed to frame the widget: parsed strictly, because each one ends up verbatim in
`Content-Security-Policy: frame-ancestors`, where a stray path, wildcard or quote would either
break the policy or widen it."""

import re
from urllib.parse import urlsplit

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_HOSTNAME = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class InvalidOrigin(ValueError):
    """The text is not an origin we can put in a CSP; the message says why, for the operator."""


def normalise_origin(text: str) -> str:
    """`scheme://host[:port]`, lower-cased, default port dropped; raises InvalidOrigin otherwise."""
    raw = text.strip()
    if not raw:
        raise InvalidOrigin("an origin cannot be empty")
    if any(ch in raw for ch in " \t'\";,*"):
        raise InvalidOrigin(f"{raw!r}: no spaces, quotes, commas or wildcards")
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise InvalidOrigin(f"{raw!r}: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise InvalidOrigin(f"{raw!r}: must start with https:// (or http:// for localhost)")
    if parts.username or parts.password:
        raise InvalidOrigin(f"{raw!r}: must not contain a user name or password")
    if parts.path not in ("", "/") or parts.query or parts.fragment or raw.endswith("?"):
        raise InvalidOrigin(f"{raw!r}: an origin is scheme://host[:port], without a path")
    host = _host(parts.netloc.rsplit("@", 1)[-1], raw)
    if scheme == "http" and host not in LOOPBACK_HOSTS:
        raise InvalidOrigin(f"{raw!r}: use https:// (http:// is only allowed for localhost)")
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


def _host(netloc: str, raw: str) -> str:
    host = netloc.lower()
    if host.startswith("["):
        host = host[: host.index("]") + 1] if "]" in host else host
        if host != "[::1]":
            raise InvalidOrigin(f"{raw!r}: IPv6 origins other than [::1] are not supported")
        return host
    host = host.split(":", 1)[0]
    if len(host) > 253 or not _HOSTNAME.match(host):
        raise InvalidOrigin(f"{raw!r}: {host or 'no host'!s} is not a valid host name")
    return host


def normalise_origins(texts: list[str] | tuple[str, ...]) -> list[str]:
    """Each origin normalised, duplicates dropped, order kept."""
    seen: list[str] = []
    for text in texts:
        origin = normalise_origin(text)
        if origin not in seen:
            seen.append(origin)
    return seen


def split_origins(stored: str) -> list[str]:
    """The `Workspace.allowed_origins` column is space-separated."""
    return [origin for origin in (stored or "").split() if origin]
