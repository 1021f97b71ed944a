"""Rendered summaries of warm panels, memoised in process and bounded in bytes.

Keyed by everything that shapes them (the cached values' fetch times, the organisation's day,
locale, grant…): a warm panel is then a lookup, not the summary arithmetic and Babel formatting
again. Derived from the cache entries named in the key, so a memo can never be fresher or staler
than they are, whichever process fetched them: that is why it stays in process even with Redis
(a Redis lookup would cost a round trip to save a render). Bounded by the bytes it holds, not by
entries: an entry-count bound let a worker grow by 42 MB after 2,500 launches of big panels.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

from cachetools import LRUCache

#: what the memo may hold per process (RENDERED_FRAGMENTS_BYTES)
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
#: what an entry costs besides its HTML: the key tuple and the cache's bookkeeping
ENTRY_OVERHEAD = 600


def entry_size(html: str) -> int:
    return sys.getsizeof(html) + ENTRY_OVERHEAD


class RenderedFragments:
    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES):
        self._items: LRUCache = LRUCache(maxsize=max_bytes, getsizeof=entry_size)
        self._lock = threading.Lock()

    def get_or_render(self, key: tuple, render: Callable[[], str]) -> str:
        with self._lock:
            html = self._items.get(key)
        if html is None:
            html = render()
            if entry_size(html) <= self._items.maxsize:
                with self._lock:
                    self._items[key] = html
        return html

    @property
    def size_bytes(self) -> int:
        """What the memo holds now, in the same measure as its bound."""
        with self._lock:
            return self._items.currsize

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
