"""Payment background jobs: take ids, call services."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def execute_refunds(refund_ids: list[int]) -> None:
    for refund_id in refund_ids:
        services.refund_execute(refund_id=refund_id)
