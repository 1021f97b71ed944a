"""The embedded runner: jobs on a few daemon threads of the serving process (no Redis needed).

Jobs survive nothing here: a restart drops what was queued, and a process that exits (a CLI
command that connected an organisation) does not wait for them. That is fine for the mirror,
whose jobs are idempotent and whose state lives in the database: the next panel open or admin
page (`ensure_fresh`) queues the sync again and it resumes from its cursor. The threads start
with the first job, so apps that never queue one (CLI commands, most tests) start none.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

from flask import Flask

from widget.jobs import RETRY_INTERVALS
from widget.jobs.running import delay_for, retryable, run_in_app

log = logging.getLogger(__name__)


class ThreadRunner:
    def __init__(self, app: Flask, workers: int = 2, intervals=RETRY_INTERVALS):
        self.app = app
        self.intervals = tuple(intervals)
        self.workers = max(1, int(workers))
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._keys: set[str] = set()
        self._active = 0
        self._idle = threading.Condition(self._lock)

    def enqueue(self, target: str, args, *, key: str | None = None, root: str | None = None):
        with self._lock:
            if key is not None and key in self._keys:
                return False
            if key is not None:
                self._keys.add(key)
            self._active += 1
            self._start_threads()
        self._queue.put((target, tuple(args), key, root, 0))
        return True

    def _start_threads(self) -> None:
        while len(self._threads) < self.workers:
            thread = threading.Thread(
                target=self._work, name=f"widget-job-{len(self._threads)}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _work(self) -> None:
        while True:
            self._run(*self._queue.get())

    def _run(self, target: str, args: tuple, key: str | None, root: str | None, attempt: int):
        try:
            run_in_app(self.app, target, args, root)
        except Exception as exc:
            if retryable(exc) and attempt < len(self.intervals):
                delay = delay_for(exc, self.intervals[attempt])
                log.warning(
                    "job failed; retrying",
                    extra={"fields": {"job": target, "attempt": attempt + 1, "in_s": delay}},
                )
                timer = threading.Timer(
                    delay, self._queue.put, ((target, args, key, root, attempt + 1),)
                )
                timer.daemon = True
                timer.start()
                return
            log.exception("job failed for good", extra={"fields": {"job": target}})
        self._done(key)

    def _done(self, key: str | None) -> None:
        with self._lock:
            if key is not None:
                self._keys.discard(key)
            self._active -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 30) -> bool:
        """Wait until no job is queued, running or waiting to retry (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._active:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def pending(self, key: str) -> bool:
        with self._lock:
            return key in self._keys
