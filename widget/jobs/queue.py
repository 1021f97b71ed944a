"""Jobs on RQ when `REDIS_URL` is set, run by `flask --app wsgi widget worker` processes.

Why RQ (and not Dramatiq): jobs are plain functions, it needs only the Redis we already run, it
is small and well kept, and its Retry (with intervals) and job ids cover what we need: a job id
per key with `unique=True` refuses a second copy atomically while one waits, runs or waits to
retry. Dramatiq brings its own actor decorators and middleware stack for features we do not use.
"""

from __future__ import annotations

import hashlib
import logging

from redis import ConnectionError as RedisConnectionError
from redis import Redis
from redis import TimeoutError as RedisTimeoutError
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError

from widget.jobs import RETRY_INTERVALS

log = logging.getLogger(__name__)

QUEUE_NAME = "widget"
#: a finished job is forgotten at once (its key frees up); a failed one blocks its key this long
FAILED_KEY_SECONDS = 60
#: the longest a job may run (a large first sync, paced inside Xero's minute limit)
JOB_TIMEOUT_SECONDS = 3600
#: an unreachable Redis costs a request this long at most (the worker's blocking reads keep theirs)
CONNECT_TIMEOUT_SECONDS = 0.5


def job_id(key: str) -> str:
    return "widget-" + hashlib.sha256(key.encode()).hexdigest()[:32]


class RQRunner:
    def __init__(self, redis_url: str, queue_name: str = QUEUE_NAME):
        self.redis = Redis.from_url(redis_url, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS)
        self.queue = Queue(queue_name, connection=self.redis)

    def enqueue(self, target: str, args, *, key: str | None = None, root: str | None = None):
        try:
            self.queue.enqueue_call(
                "widget.jobs.worker.perform",
                args=(target, list(args), root),
                job_id=job_id(key) if key else None,
                unique=key is not None,
                retry=Retry(max=len(RETRY_INTERVALS), interval=list(RETRY_INTERVALS)),
                result_ttl=0,
                failure_ttl=FAILED_KEY_SECONDS,
                timeout=JOB_TIMEOUT_SECONDS,
            )
        except DuplicateJobError:
            return False
        except (RedisConnectionError, RedisTimeoutError) as exc:
            # Redis away: nothing is queued now; the next panel open or retry asks again
            log.warning("job not queued: redis unreachable",
                        extra={"fields": {"job": target, "error": type(exc).__name__}})  # fmt: skip
            return False
        return True
