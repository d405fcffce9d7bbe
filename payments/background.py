"""Work nobody should wait for, in the embedded mode (Celery eager): a small pool of threads.

With a Celery worker such work goes to the queue; without one, `.delay()` would run it inline in the
buyer's request, so a slow shop would slow the payment page. This pool stands in for the worker.
"""

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

from django.db import connections

logger = logging.getLogger(__name__)

_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="background")  # threads start on first use
_in_flight: set[Future[None]] = set()
_in_flight_lock = threading.Lock()


def run_in_background(job: Callable[[], object], *, label: str) -> None:
    future = _pool.submit(_run, job, label)
    with _in_flight_lock:
        _in_flight.add(future)
    future.add_done_callback(_forget)


def _run(job: Callable[[], object], label: str) -> None:
    try:
        job()
    except Exception:  # nobody waits on this thread: log; the periodic due run picks the work up again
        logger.exception("%s failed", label)
    finally:
        connections.close_all()  # this thread's own connections; pooled threads would otherwise keep them


def _forget(future: Future[None]) -> None:
    with _in_flight_lock:
        _in_flight.discard(future)


def background_drain(*, timeout: float) -> bool:
    """Wait for work in flight (commands, shutdown, tests). True if none is left."""
    with _in_flight_lock:
        pending = set(_in_flight)
    _done, not_done = wait(pending, timeout=timeout)
    return not not_done
