"""The rankings' periodic job (CELERY_BEAT_SCHEDULE: compute-rankings)."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def compute_rankings() -> int:
    """Every city's rankings, replaced; safe to run twice or late."""
    return services.rankings_compute()
