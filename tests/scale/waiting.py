"""Waiting for what another thread or process makes true (a published message heard, a
subscription confirmed, a job's rows committed)."""

from __future__ import annotations

import time


def eventually(check, seconds: float = 10.0) -> bool:
    """Whether `check()` became true within `seconds`. Redis delivers a published message in
    well under a millisecond on loopback; the margin is for a listening thread to be scheduled,
    or to resubscribe, on a busy machine."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.01)
    return check()
