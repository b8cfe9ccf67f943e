"""Every write on payments and refunds.

No database lock is held while a gateway is called: the intent is written
and committed first, the gateway called, then the outcome recorded in a new
transaction (a payment's idempotency key ties the three together).
"""

import logging
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from o2o.errors import Conflict, DomainError, NotFound
from orders.models import Order, Voucher

from .gateways import StartResult, get_gateway
from .models import Payment, Refund

logger = logging.getLogger(__name__)


def payment_start(*, order_id: int, user: User) -> tuple[Payment, StartResult]:
    """Open a payment attempt for the user's unpaid order."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id, user_id=user.pk).first()
        if order is None:
            raise NotFound("order_not_found", _("Order not found."))
        if order.status != Order.Status.PENDING_PAYMENT:
            raise Conflict(f"order_{order.status}", _("This order cannot be paid any more."))
        if order.payment_deadline <= timezone.now():
            raise Conflict(
                "payment_window_passed",
                _("The time to pay for this order has run out. Please order again."),
            )
        gateway = get_gateway()
        payment = Payment.objects.create(
            order=order, gateway=gateway.name, amount=order.total, currency=order.currency
        )
    result = gateway.start(payment)
    Payment.objects.filter(pk=payment.pk).update(reference=result.reference)
    payment.reference = result.reference
    return payment, result


def payment_succeeded(*, payment_id: int) -> Payment:
    """The gateway reports a capture. Idempotent: a second report changes nothing.

    A capture for an order that was cancelled meanwhile, or that another
    payment already paid, is refunded in full.
    """
    from orders.services import order_mark_paid

    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status == Payment.Status.SUCCEEDED:
            return payment
        payment.status = Payment.Status.SUCCEEDED
        payment.succeeded_at = timezone.now()
        payment.save(update_fields=["status", "succeeded_at", "updated_at"])
        already_paid = (
            Payment.objects.filter(order_id=payment.order_id, status=Payment.Status.SUCCEEDED)
            .exclude(pk=payment.pk)
            .exists()
        )
        if already_paid:
            _refund_whole(payment, reason="duplicate_payment")
            return payment
        try:
            with transaction.atomic():
                order_mark_paid(
                    order_id=payment.order_id, amount=payment.amount, currency=payment.currency
                )
        except Conflict:
            _refund_whole(payment, reason="order_cancelled")
        return payment


def payment_failed(*, payment_id: int, message: str = "") -> Payment:
    """The payer's attempt failed; the order stays payable until its deadline."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status != Payment.Status.PENDING:
            return payment
        payment.status = Payment.Status.FAILED
        payment.failure_message = message[:255]
        payment.save(update_fields=["status", "failure_message", "updated_at"])
        return payment


def refundable_left(payment: Payment) -> Decimal:
    refunded = payment.refunds.exclude(status=Refund.Status.FAILED).aggregate(s=Sum("amount"))["s"]
    return payment.amount - (refunded or Decimal("0"))


def _captured_payment(order_id: int) -> Payment:
    payment = (
        Payment.objects.select_for_update()
        .filter(order_id=order_id, status=Payment.Status.SUCCEEDED)
        .order_by("pk")
        .first()
    )
    if payment is None:
        raise Conflict("not_paid", _("This order has no captured payment to refund."))
    return payment


def _refund_whole(payment: Payment, *, reason: str) -> Refund:
    refund = Refund.objects.create(
        payment=payment, amount=payment.amount, currency=payment.currency, reason=reason
    )
    _enqueue([refund.pk])
    return refund


def refund_request(*, order: Order, voucher: Voucher, amount: Decimal, reason: str) -> Refund:
    """Record a refund of one voucher; the gateway is called after commit.

    Must run inside the caller's transaction (the voucher is already locked).
    """
    payment = _captured_payment(order.pk)
    if amount <= 0 or amount > refundable_left(payment):
        raise DomainError("refund_exceeds_payment", _("That is more than is left to refund."))
    refund = Refund.objects.create(
        payment=payment, voucher=voucher, amount=amount, currency=payment.currency, reason=reason
    )
    _enqueue([refund.pk])
    return refund


def refunds_request_bulk(*, vouchers: list[dict[str, Any]], reason: str) -> list[Refund]:
    """Refunds for a batch of expired vouchers (rows with pk, order_id, value)."""
    if not vouchers:
        return []
    payments = {
        p.order_id: p
        for p in Payment.objects.filter(
            order_id__in={v["order_id"] for v in vouchers}, status=Payment.Status.SUCCEEDED
        ).order_by("-pk")
    }
    refunds = Refund.objects.bulk_create(
        [
            Refund(
                payment=payments[v["order_id"]],
                voucher_id=v["pk"],
                amount=v["value"],
                currency=payments[v["order_id"]].currency,
                reason=reason,
            )
            for v in vouchers
            if v["order_id"] in payments
        ]
    )
    _enqueue([r.pk for r in refunds if r.pk])
    return refunds


def _enqueue(refund_ids: list[int]) -> None:
    from .tasks import execute_refunds

    if refund_ids:
        transaction.on_commit(lambda: execute_refunds.delay(refund_ids))


def refund_execute(*, refund_id: int) -> Refund:
    """Send one pending refund to its gateway. Safe to retry."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.status != Refund.Status.PENDING:
        return refund
    reference = get_gateway(refund.payment.gateway).refund(refund)
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.status == Refund.Status.PENDING:
            refund.status = Refund.Status.SUCCEEDED
            refund.reference = reference
            refund.save(update_fields=["status", "reference", "updated_at"])
            from notifications.tasks import notify_refunded

            transaction.on_commit(lambda: notify_refunded.delay(refund.pk))
    return refund
