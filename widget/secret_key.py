"""A per-installation secret generated into the instance folder when none is configured.

A development machine then needs no setup, and the key survives restarts (sessions stay valid).
"""

import secrets
from pathlib import Path


def load_or_create(instance_path: str, name: str) -> str:
    path = Path(instance_path) / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value
