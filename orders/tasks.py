"""Periodic order jobs: take ids or nothing, call services, safe to repeat."""

import time

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(acks_late=True)
def cancel_unpaid_orders() -> int:
    return services.cancel_unpaid_orders()


@shared_task(acks_late=True)
def expire_vouchers(*, helper: bool = False) -> int:
    """Beat runs this every five minutes. With more than a batch waiting, it
    asks EXPIRY_WORKERS - 1 other workers to share the backlog (each skips the
    rows the others hold). Each stops within EXPIRY_TIME_BUDGET seconds, well
    inside the task time limit, and the first hands what is left to a new run."""
    if not helper and services.vouchers_to_expire(more_than=settings.EXPIRY_BATCH_SIZE):
        for _ in range(settings.EXPIRY_WORKERS - 1):
            expire_vouchers.delay(helper=True)
    done = services.expire_vouchers(
        batch_size=settings.EXPIRY_BATCH_SIZE,
        deadline=time.monotonic() + settings.EXPIRY_TIME_BUDGET,
    )
    if not helper and services.vouchers_to_expire():
        expire_vouchers.delay()
    return done


@shared_task(acks_late=True)
def referral_reward(order_id: int) -> None:
    """A referred customer's order was paid: decide their referral reward."""
    services.referral_reward(order_id=order_id)
