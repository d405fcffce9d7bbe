"""Run a function in several threads at once, each with its own database connection."""

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def run_in_threads(target: Callable[[int], Any], *, count: int) -> list[Any]:
    """Call target(i) for i in range(count) in parallel; returns each result (or the exception raised)."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target(index)
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
