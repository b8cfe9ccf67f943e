"""Periodic offer jobs."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def end_finished_offers() -> int:
    return services.end_finished_offers()


@shared_task(acks_late=True)
def flush_view_counters() -> int:
    return services.flush_view_counters()
