"""Per-organisation cache of Xero answers, with shared in-flight fetches and last-known values.

Why each part exists (PRODUCT.md, "Freshness, cost and limits"):
- Scoped by workspace AND Xero tenant: nothing may cross workspaces, and a workspace that connects
  another organisation must never see the first one's figures.
- Single flight: ten reps opening the same customer at once make one Xero call, not ten (Xero
  allows 5 in flight and 60 a minute per organisation). Waiters get the leader's result or its
  exception.
- Stale on error: when Xero fails or says 429, the panel shows the last good figures with their age
  instead of an error, so entries are kept for a while after they stop being fresh.
- Values pass through a codec, so `RedisCache` (several workers and hosts, with REDIS_URL)
  implements only the four storage primitives of `Cache`, plus single flight across processes (a
  Redis lock with expiry); the in-process one can use the same codec in tests to prove values
  survive the trip. `make_cache` picks the one the configuration asks for.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import secrets
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Protocol
from urllib.parse import quote

from cachetools import TLRUCache

#: How long a value is kept after it stops being fresh, to show when Xero cannot be reached.
DEFAULT_STALE_FOR = 24 * 60 * 60
DEFAULT_MAXSIZE = 10_000


@dataclass(frozen=True)
class CacheScope:
    """One Xero organisation as connected from one workspace: the unit nothing crosses."""

    workspace_id: str
    tenant_id: str

    def __post_init__(self) -> None:
        if not str(self.workspace_id).strip() or not str(self.tenant_id).strip():
            raise ValueError("a cache scope needs both a workspace id and a tenant id")

    @property
    def prefix(self) -> str:
        """Escaped so ids containing ':' can never make one scope's keys look like another's."""
        return (
            f"w:{quote(str(self.workspace_id), safe='')}:t:{quote(str(self.tenant_id), safe='')}:"
        )


@dataclass(frozen=True)
class Entry:
    """A cached value with when it was fetched and until when it counts as fresh (clock seconds)."""

    value: Any
    fetched_at: float
    fresh_until: float

    def is_fresh(self, now: float) -> bool:
        return now < self.fresh_until

    def age(self, now: float) -> float:
        return max(0.0, now - self.fetched_at)


@dataclass(frozen=True)
class Fetched:
    """What `get_or_fetch` gives the panel: the value, how old, and whether Xero just failed.

    `stale` with `error` set means "last known figures": show them with their age and Retry.
    """

    value: Any
    fetched_at: float
    from_cache: bool  # served from the cache without calling Xero
    shared: bool = False  # another caller's fetch, made at the same time, answered this one
    stale: bool = False
    error: BaseException | None = None

    def age(self, now: float) -> float:
        return max(0.0, now - self.fetched_at)

    @property
    def fetched_at_utc(self) -> datetime:
        return datetime.fromtimestamp(self.fetched_at, UTC)


class Codec(Protocol):
    def encode(self, value: Any) -> bytes: ...

    def decode(self, data: bytes) -> Any: ...


@dataclass
class _Stored:
    data: Any  # the encoded value (or the value itself without a codec)
    fetched_at: float
    fresh_until: float
    keep_until: float


class _Call:
    """One in-flight fetch that identical requests wait on."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Entry | None = None
        self.error: BaseException | None = None
        self.waiters = 0
        self.detached = False  # invalidated while running: its result must not be cached


class Cache(ABC):
    """The cache interface, with single flight and stale-on-error built on four primitives.

    Subclasses store `_Stored` records under full keys; everything else (scoping, codec, flights,
    invalidation order) lives here so every backend behaves the same.
    """

    def __init__(
        self,
        *,
        codec: Codec | None = None,
        clock: Callable[[], float] = time.time,
        stale_for: float = DEFAULT_STALE_FOR,
        follower_guard: Callable[[CacheScope], AbstractContextManager] | None = None,
    ) -> None:
        #: held while a request waits for another's fetch (the governor's waiting places), so
        #: followers of one slow organisation cannot take every thread of the server
        self._follower_guard = follower_guard
        self._codec = codec
        self._clock = clock
        self._stale_for = stale_for
        self._lock = threading.RLock()
        self._calls: dict[str, _Call] = {}

    # storage primitives ------------------------------------------------------------------------

    @abstractmethod
    def _read(self, full_key: str) -> _Stored | None: ...

    @abstractmethod
    def _write(self, full_key: str, stored: _Stored) -> None: ...

    @abstractmethod
    def _remove(self, full_key: str) -> None: ...

    @abstractmethod
    def _keys(self, prefix: str) -> list[str]: ...

    # public interface --------------------------------------------------------------------------

    def now(self) -> float:
        return self._clock()

    def get(self, scope: CacheScope, key: str, *, allow_stale: bool = False) -> Entry | None:
        """The fresh entry, or with `allow_stale` also a kept one that is no longer fresh."""
        with self._lock:
            stored = self._read(scope.prefix + key)
        if stored is None or not (allow_stale or self.now() < stored.fresh_until):
            return None
        return self._entry(stored)

    def set(self, scope: CacheScope, key: str, value: Any, ttl: float) -> Entry:
        """Store a value fresh for `ttl` seconds (kept `stale_for` longer for error fallback)."""
        with self._lock:
            return self._store(scope.prefix + key, value, ttl)

    def delete(self, scope: CacheScope, key: str) -> None:
        with self._lock:
            self._remove(scope.prefix + key)
            self._detach(lambda k: k == scope.prefix + key)

    def invalidate(self, scope: CacheScope, prefix: str = "", *, keep_stale: bool = True) -> int:
        """Make every entry of `scope` whose key starts with `prefix` no longer fresh; returns how
        many. With `keep_stale` they stay available as last-known values (after a write, figures
        are out of date but still better than nothing if Xero then fails); otherwise they go.

        Fetches already in flight for those keys are detached: their callers get the answer, but it
        is not cached, and new callers start a new fetch (it may predate the write).
        """
        full_prefix = scope.prefix + prefix
        now = self.now()
        with self._lock:
            keys = self._keys(full_prefix)
            for full_key in keys:
                stored = self._read(full_key)
                if stored is None:
                    continue
                if keep_stale:
                    stored = dataclasses.replace(stored, fresh_until=min(stored.fresh_until, now))
                    self._write(full_key, stored)
                else:
                    self._remove(full_key)
            self._detach(lambda k: k.startswith(full_prefix))
        return len(keys)

    def get_or_fetch(
        self,
        scope: CacheScope,
        key: str,
        fetch: Callable[[], Any],
        *,
        ttl: float,
        bypass: bool = False,
        stale_on_error: bool = True,
        wait_timeout: float | None = None,
    ) -> Fetched:
        """The cached value if fresh, else one shared call of `fetch` for all concurrent callers.

        `bypass` (Refresh) skips the cached value but still joins a fetch already in flight, which
        is as fresh as a new one. If the fetch fails and `stale_on_error`, the last kept value is
        returned marked stale with the error; with nothing kept, the error is raised.
        """
        full_key = scope.prefix + key
        if not bypass:
            entry = self.get(scope, key)
            if entry is not None:
                return Fetched(entry.value, entry.fetched_at, from_cache=True)
        try:
            entry, shared = self._flight(full_key, fetch, ttl, wait_timeout, scope)
        except Exception as error:
            kept = self.get(scope, key, allow_stale=True) if stale_on_error else None
            if kept is None:
                raise
            return Fetched(kept.value, kept.fetched_at, from_cache=True, stale=True, error=error)
        return Fetched(entry.value, entry.fetched_at, from_cache=False, shared=shared)

    def waiting(self, scope: CacheScope, key: str) -> int:
        """How many callers wait on the fetch in flight for this key (0 if none): for tests and
        metrics."""
        with self._lock:
            call = self._calls.get(scope.prefix + key)
            return call.waiters if call else 0

    # internals ---------------------------------------------------------------------------------

    def _flight(
        self,
        full_key: str,
        fetch: Callable[[], Any],
        ttl: float,
        wait_timeout: float | None,
        scope: CacheScope | None = None,
    ) -> tuple[Entry, bool]:
        with self._lock:
            call = self._calls.get(full_key)
            leader = call is None
            if leader:
                call = self._calls[full_key] = _Call()
            else:
                call.waiters += 1
        if not leader:
            guarded = self._follower_guard and scope is not None
            with self._follower_guard(scope) if guarded else nullcontext():
                if not call.done.wait(wait_timeout):
                    raise TimeoutError(f"waited {wait_timeout}s for a shared fetch")
            if call.error is not None:
                raise call.error
            return call.result, True
        try:
            value = fetch()
            with self._lock:
                if call.detached:
                    now = self.now()
                    call.result = Entry(value, now, now)
                else:
                    call.result = self._store(full_key, value, ttl)
        except BaseException as error:
            call.error = error
            raise
        finally:
            with self._lock:
                if self._calls.get(full_key) is call:
                    del self._calls[full_key]
            call.done.set()
        return call.result, False

    def _store(self, full_key: str, value: Any, ttl: float) -> Entry:
        if ttl < 0:
            raise ValueError("ttl must not be negative")
        now = self.now()
        data = self._codec.encode(value) if self._codec else value
        stored = _Stored(data, now, now + ttl, now + ttl + self._stale_for)
        self._write(full_key, stored)
        return self._entry(stored)

    def _entry(self, stored: _Stored) -> Entry:
        value = self._codec.decode(stored.data) if self._codec else stored.data
        return Entry(value, stored.fetched_at, stored.fresh_until)

    def _detach(self, matches: Callable[[str], bool]) -> None:
        for full_key in [k for k in self._calls if matches(k)]:
            self._calls.pop(full_key).detached = True


class MemoryCache(Cache):
    """The in-process cache (one process, the default): a bounded cachetools TLRU under a lock."""

    def __init__(self, *, maxsize: int = DEFAULT_MAXSIZE, **options: Any) -> None:
        super().__init__(**options)
        self._items: TLRUCache = TLRUCache(
            maxsize=maxsize, ttu=lambda _key, stored, _now: stored.keep_until, timer=self._clock
        )

    def _read(self, full_key: str) -> _Stored | None:
        return self._items.get(full_key)

    def _write(self, full_key: str, stored: _Stored) -> None:
        self._items[full_key] = stored

    def _remove(self, full_key: str) -> None:
        self._items.pop(full_key, None)

    def _keys(self, prefix: str) -> list[str]:
        self._items.expire()
        return [key for key in self._items if key.startswith(prefix)]


# --- a JSON codec for cached values ------------------------------------------------------------


class JsonCodec:
    """JSON for cached values, keeping Decimal, date, datetime, tuples, enums and the registered
    frozen dataclasses exact (what Redis would store). Only registered types are rebuilt, so bytes
    read back from a shared store cannot make us construct arbitrary objects (unlike pickle).
    """

    def __init__(self, types: Iterable[type] = ()) -> None:
        self._types = {_type_name(t): t for t in types}

    def encode(self, value: Any) -> bytes:
        return json.dumps(self._plain(value), separators=(",", ":")).encode()

    def decode(self, data: bytes) -> Any:
        return self._rebuild(json.loads(data))

    def _plain(self, value: Any) -> Any:
        if isinstance(value, Enum):  # before str/int: StrEnum and IntEnum are both
            return self._registered(value, {"$enum": value.value})
        if value is None or isinstance(value, bool | int | str):
            return value
        if isinstance(value, float):
            return {"$float": repr(value)}
        if isinstance(value, Decimal):
            return {"$decimal": str(value)}
        if isinstance(value, datetime):
            return {"$datetime": value.isoformat()}
        if isinstance(value, date):
            return {"$date": value.isoformat()}
        if isinstance(value, tuple | list):
            items = [self._plain(v) for v in value]
            return {"$tuple": items} if isinstance(value, tuple) else items
        if isinstance(value, dict):
            if not all(isinstance(k, str) for k in value):
                raise TypeError("cached dict keys must be strings")
            return {"$dict": {k: self._plain(v) for k, v in value.items()}}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = {
                f.name: self._plain(getattr(value, f.name)) for f in dataclasses.fields(value)
            }
            return self._registered(value, {"$fields": fields})
        raise TypeError(f"cannot cache a {type(value).__name__}; register it with the codec")

    def _registered(self, value: Any, body: dict) -> dict:
        name = _type_name(type(value))
        if self._type(name) is not type(value):
            raise TypeError(f"{name} is not registered with the cache codec")
        return {"$type": name, **body}

    def _type(self, name: str) -> type | None:
        return self._types.get(name)

    def _rebuild(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self._rebuild(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "$type" in value:
            cls = self._type(value["$type"])
            if cls is None:
                raise ValueError(f"unknown cached type {value['$type']!r}")
            if "$enum" in value:
                return cls(value["$enum"])
            return cls(**{k: self._rebuild(v) for k, v in value["$fields"].items()})
        tag, body = next(iter(value.items()))
        builders = {
            "$decimal": Decimal,
            "$float": float,
            "$datetime": datetime.fromisoformat,
            "$date": date.fromisoformat,
            "$tuple": lambda items: tuple(self._rebuild(v) for v in items),
            "$dict": lambda d: {k: self._rebuild(v) for k, v in d.items()},
        }
        return builders[tag](body)


def _type_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


class WidgetCodec(JsonCodec):
    """JsonCodec that knows every frozen dataclass and enum of the `widget` package (what the
    panels cache: organisations, documents, contacts, figures). Only those are rebuilt: a name
    outside `widget.`, or naming anything else, is refused, so bytes in Redis cannot make us
    construct arbitrary objects."""

    def _type(self, name: str) -> type | None:
        found = self._types.get(name)
        if found is not None or not name.startswith("widget."):
            return found
        module_name, _, qualname = name.rpartition(".")
        try:
            candidate = getattr(importlib.import_module(module_name), qualname)
        except (ImportError, AttributeError, ValueError):
            return None
        if _cacheable_type(candidate):
            self._types[name] = candidate
        return self._types.get(name)


def _cacheable_type(candidate: object) -> bool:
    """A frozen dataclass or an enum: values rebuilt from their fields, nothing else runs."""
    if not isinstance(candidate, type):
        return False
    if dataclasses.is_dataclass(candidate):
        return candidate.__dataclass_params__.frozen
    return issubclass(candidate, Enum)


# --- the shared cache: Redis ----------------------------------------------------------------------

#: a fetch's lock lives this long at most (a crashed leader's lock expires on its own)
FLIGHT_LOCK_SECONDS = 30
FLIGHT_POLL_SECONDS = 0.025
CACHE_CHANNEL = "cache:changed"
_UNAVAILABLE = object()
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisCache(Cache):
    """The cache shared by every worker and host (REDIS_URL): entries are Redis strings that
    expire when no longer kept; a fetch in one process is waited on by the others (a lock with
    expiry, `SET NX PX`); invalidation after a write reaches every process, since they all read
    the same keys.

    Each process also keeps a near copy of what it read or wrote, so a warm panel costs no Redis
    round trip: every write, removal and invalidation publishes the key on the invalidation bus
    (widget.shared.bus) and the other processes drop their copy; the copy is used only while the
    process is listening, and emptied when it starts listening again.

    Redis away: reads fall back to the near copy (recent values at hand), writes stay in process,
    single flight to this process only; nothing raises. When Redis is back (widget.shared.redis
    retries by itself) it is used again.
    """

    def __init__(self, shared, *, bus=None, local_maxsize: int = 5_000, **options: Any) -> None:
        options.setdefault("codec", WidgetCodec())
        super().__init__(**options)
        self._redis = shared
        self._bus = bus
        self._local = MemoryCache(maxsize=local_maxsize, clock=self._clock)
        self._held: dict[str, str] = {}
        self._release_script = shared.client.register_script(_RELEASE)
        self._origin = secrets.token_hex(6)
        #: bumped whenever a copy is dropped: a value read before that is not copied after it
        self._generation = 0
        if bus is not None:
            bus.subscribe(CACHE_CHANNEL, self._changed_elsewhere, self._start_afresh)

    def _rkey(self, full_key: str) -> str:
        return self._redis.key("cache", full_key)

    def _near(self) -> bool:
        return self._bus is not None and self._bus.listening

    def _changed_elsewhere(self, message: str) -> None:
        origin, _, full_key = message.partition(" ")
        if origin != self._origin:
            with self._lock:
                self._generation += 1
                self._local._remove(full_key)

    def _start_afresh(self) -> None:
        with self._lock:
            self._generation += 1
            self._local._items.clear()

    def _announce(self, pipe, full_key: str) -> None:
        if self._bus is not None:
            pipe.publish(self._redis.key(CACHE_CHANNEL), f"{self._origin} {full_key}")

    # storage primitives ------------------------------------------------------------------------

    def _read(self, full_key: str) -> _Stored | None:
        if self._near():
            stored = self._local._read(full_key)
            if stored is not None:
                return stored
        generation = self._generation
        raw = self._redis.call(lambda client: client.get(self._rkey(full_key)), _UNAVAILABLE)
        if raw is _UNAVAILABLE:
            return self._local._read(full_key)
        if raw is None:
            return None
        stored = _unpack(raw)
        if self._near() and generation == self._generation:
            self._local._write(full_key, stored)
        return stored

    def _write(self, full_key: str, stored: _Stored) -> None:
        self._local._write(full_key, stored)
        life_ms = max(1, int((stored.keep_until - self.now()) * 1000))
        packed = _pack(stored)

        def write(client):
            pipe = client.pipeline(transaction=False)
            pipe.set(self._rkey(full_key), packed, px=life_ms)
            self._announce(pipe, full_key)
            pipe.execute()

        self._redis.call(write)

    def _remove(self, full_key: str) -> None:
        self._local._remove(full_key)

        def remove(client):
            pipe = client.pipeline(transaction=False)
            pipe.delete(self._rkey(full_key))
            self._announce(pipe, full_key)
            pipe.execute()

        self._redis.call(remove)

    def _keys(self, prefix: str) -> list[str]:
        pattern = _glob_escape(self._rkey(prefix)) + "*"
        cut = len(self._rkey(""))

        def scan(client) -> list[str]:
            return [key.decode()[cut:] for key in client.scan_iter(match=pattern, count=500)]

        found = self._redis.call(scan, _UNAVAILABLE)
        local = self._local._keys(prefix)
        return local if found is _UNAVAILABLE else sorted(set(found) | set(local))

    # single flight across processes ------------------------------------------------------------

    def _flight(self, full_key, fetch, ttl, wait_timeout, scope=None):
        def across_processes():
            return self._lead_or_wait(full_key, fetch, wait_timeout)

        try:
            return super()._flight(full_key, across_processes, ttl, wait_timeout, scope)
        finally:
            self._release(full_key)

    def _lead_or_wait(self, full_key: str, fetch: Callable[[], Any], wait_timeout):
        """Fetch as the one process holding the key's lock, or take the value the holder stores."""
        lock = self._redis.key("flight", full_key)
        token = secrets.token_hex(8)
        began = self.now()
        deadline = time.monotonic() + (wait_timeout if wait_timeout is not None else 60)
        life_ms = FLIGHT_LOCK_SECONDS * 1000

        def take(client):
            return client.set(lock, token, nx=True, px=life_ms)

        while True:
            stored = self._read(full_key)  # first: a leader that just finished has released
            if stored is not None and stored.fetched_at >= began:
                return self._codec.decode(stored.data)  # another process's fetch
            got = self._redis.call(take, _UNAVAILABLE)
            if got is _UNAVAILABLE or got:
                if got is not _UNAVAILABLE:
                    with self._lock:
                        self._held[full_key] = token
                return fetch()
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited {wait_timeout}s for another process's fetch")
            time.sleep(FLIGHT_POLL_SECONDS)

    def _release(self, full_key: str) -> None:
        with self._lock:
            token = self._held.pop(full_key, None)
        if token is not None:
            lock = self._redis.key("flight", full_key)
            self._redis.call(lambda client: self._release_script(keys=[lock], args=[token]))


def _pack(stored: _Stored) -> bytes:
    head = f"{stored.fetched_at!r} {stored.fresh_until!r} {stored.keep_until!r}\n".encode()
    return head + stored.data


def _unpack(raw: bytes) -> _Stored:
    head, _, data = raw.partition(b"\n")
    fetched_at, fresh_until, keep_until = (float(part) for part in head.split())
    return _Stored(data, fetched_at, fresh_until, keep_until)


def _glob_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)


def make_cache(app, *, stale_for: float = DEFAULT_STALE_FOR, **options: Any) -> Cache:
    """The cache the configuration asks for: shared on Redis with REDIS_URL, else in process."""
    from widget.shared.bus import bus_for
    from widget.shared.redis import shared_redis

    shared = shared_redis(app)
    if shared is None:
        return MemoryCache(stale_for=stale_for, **options)
    return RedisCache(shared, bus=bus_for(app), stale_for=stale_for, **options)
