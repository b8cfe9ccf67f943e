"""Payment background jobs: take ids, call services, safe to run twice."""

from celery import shared_task

from . import services
from .gateways import GatewayError


@shared_task(
    acks_late=True,
    autoretry_for=(GatewayError, ConnectionError),
    retry_backoff=True,
    max_retries=8,
)
def execute_refunds(refund_ids: list[int]) -> None:
    for refund_id in refund_ids:
        services.refund_execute(refund_id=refund_id)


@shared_task(acks_late=True)
def reconcile_pending_payments() -> int:
    return services.reconcile_pending_payments()


@shared_task(acks_late=True, autoretry_for=(GatewayError,), retry_backoff=True, max_retries=5)
def process_webhook_event(event_pk: int) -> None:
    services.webhook_process(event_pk=event_pk)


@shared_task(acks_late=True)
def close_settlement_statements() -> int:
    """Close the last finished half-month for every merchant (idempotent)."""
    from .settlement import close_last_period

    return len(close_last_period())
