"""Handing jobs to Celery after commit, without ever losing one.

`enqueue(task, *args)` sends the job when the transaction commits. If the
broker cannot be reached, the job is written to the database instead and
`send_deferred_tasks` (a beat job) sends it when the broker is back; the
request that caused it still succeeds.
"""

import logging
from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

BROKER_ERRORS = (OperationalError, ConnectionError, OSError, TimeoutError)
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


def _send(task: Any, args: list[Any]) -> None:
    task.apply_async(args=args, retry=True, retry_policy=PUBLISH_RETRY)


def send_now_or_defer(task: Any, args: list[Any]) -> bool:
    """Send the job; on a broker failure keep it for later. True if sent."""
    try:
        _send(task, args)
    except BROKER_ERRORS as err:
        from o2o.models import DeferredTask

        DeferredTask.objects.create(name=task.name, args=args, error=repr(err)[:2000])
        logger.warning("broker unavailable, deferred %s%s: %r", task.name, tuple(args), err)
        return False
    return True


def enqueue(task: Any, *args: Any) -> None:
    """Send `task(*args)` once the current transaction commits."""
    payload = list(args)
    transaction.on_commit(lambda: send_now_or_defer(task, payload))


def send_deferred(limit: int = 500) -> int:
    from celery import current_app

    from o2o.models import DeferredTask

    sent = 0
    for job in DeferredTask.objects.filter(sent_at__isnull=True).order_by("pk")[:limit]:
        try:
            _send(current_app.tasks[job.name], job.args)
        except BROKER_ERRORS as err:
            DeferredTask.objects.filter(pk=job.pk).update(
                attempts=job.attempts + 1, error=repr(err)[:2000]
            )
            break  # still down: try the rest next time
        DeferredTask.objects.filter(pk=job.pk).update(sent_at=timezone.now())
        sent += 1
    return sent


@shared_task(acks_late=True)
def send_deferred_tasks() -> int:
    return send_deferred()
