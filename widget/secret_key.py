"""Per-installation secrets generated into the instance folder when none is configured.

A development machine then needs no setup, and the values survive restarts.
"""

import secrets
from collections.abc import Callable
from pathlib import Path


def load_or_create(
    instance_path: str, name: str, make: Callable[[], str] = lambda: secrets.token_urlsafe(48)
) -> str:
    path = Path(instance_path) / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    path.write_text(value)
    path.chmod(0o600)
    return value
