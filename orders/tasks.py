"""Periodic order jobs: take ids or nothing, call services, safe to repeat."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def cancel_unpaid_orders() -> int:
    return services.cancel_unpaid_orders()


@shared_task(acks_late=True)
def expire_vouchers() -> int:
    return services.expire_vouchers()
