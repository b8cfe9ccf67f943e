"""Run a function in real threads that start together, each with its own
database connection, and collect what each one returned or raised."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections


def requires_row_locks() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("race tests need PostgreSQL's row locks (.ci/run sets DATABASE_URL)")


def run_in_threads(n: int, fn: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = fn(i)
        except Exception as exc:  # the test inspects what each thread got
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
