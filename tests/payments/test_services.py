"""Payments through the development gateway: each gateway report counts once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from o2o.errors import Conflict, NotFound
from orders.models import Order, Voucher
from orders.services import order_cancel
from payments import services
from payments.models import Payment, Refund

from ..factories import UserFactory, make_order

pytestmark = pytest.mark.django_db


def test_failed_then_succeeded_payment_pays_the_order(consumer, offer):
    order = make_order(consumer, offer, 2)
    first, _ = services.payment_start(order_id=order.pk, user=consumer)
    services.payment_failed(payment_id=first.pk, message="card declined")
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    second, result = services.payment_start(order_id=order.pk, user=consumer)
    assert result.redirect_url
    services.payment_succeeded(payment_id=second.pk)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.vouchers.count() == 2


def test_the_same_success_reported_five_times_issues_vouchers_once(consumer, offer):
    order = make_order(consumer, offer, 2)
    payment, _ = services.payment_start(order_id=order.pk, user=consumer)
    for _ in range(5):
        services.payment_succeeded(payment_id=payment.pk)
    assert Voucher.objects.filter(order=order).count() == 2
    assert not Refund.objects.exists()


def test_a_late_failure_report_does_not_undo_a_success(consumer, offer):
    order = make_order(consumer, offer, 1)
    payment, _ = services.payment_start(order_id=order.pk, user=consumer)
    services.payment_succeeded(payment_id=payment.pk)
    services.payment_failed(payment_id=payment.pk, message="late")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED


def test_success_after_cancellation_is_refunded_in_full(consumer, offer):
    order = make_order(consumer, offer, 2)
    payment, _ = services.payment_start(order_id=order.pk, user=consumer)
    order_cancel(order_id=order.pk, reason="payment_window_passed")
    services.payment_succeeded(payment_id=payment.pk)
    order.refresh_from_db()
    refund = Refund.objects.get(payment=payment)
    assert order.status == Order.Status.CANCELLED
    assert order.vouchers.count() == 0
    assert refund.amount == payment.amount
    assert refund.reason == "order_cancelled"


def test_pressing_pay_twice_resumes_the_same_attempt(consumer, offer):
    order = make_order(consumer, offer, 1)
    first, _ = services.payment_start(order_id=order.pk, user=consumer)
    again, _ = services.payment_start(order_id=order.pk, user=consumer)
    assert again == first
    assert Payment.objects.count() == 1


def test_a_late_capture_of_a_failed_attempt_after_another_paid_is_refunded(consumer, offer):
    order = make_order(consumer, offer, 1)
    first, _ = services.payment_start(order_id=order.pk, user=consumer)
    services.payment_failed(payment_id=first.pk, message="timed out")
    second, _ = services.payment_start(order_id=order.pk, user=consumer)
    services.payment_succeeded(payment_id=second.pk)
    services.payment_succeeded(payment_id=first.pk)  # the provider captured it after all
    assert order.vouchers.count() == 1
    refund = Refund.objects.get()
    assert refund.payment == first
    assert refund.reason == "duplicate_payment"


def test_nobody_pays_someone_elses_order(consumer, offer):
    order = make_order(consumer, offer, 1)
    with pytest.raises(NotFound):
        services.payment_start(order_id=order.pk, user=UserFactory())


def test_an_order_past_its_payment_window_cannot_be_paid(consumer, offer):
    order = make_order(consumer, offer, 1)
    Order.objects.filter(pk=order.pk).update(payment_deadline=timezone.now() - timedelta(seconds=1))
    with pytest.raises(Conflict) as err:
        services.payment_start(order_id=order.pk, user=consumer)
    assert err.value.code == "payment_window_passed"
    assert not Payment.objects.exists()


def test_a_refund_never_exceeds_what_is_left(consumer, offer):
    order = make_order(consumer, offer, 1)
    payment, _ = services.payment_start(order_id=order.pk, user=consumer)
    services.payment_succeeded(payment_id=payment.pk)
    voucher = order.vouchers.get()
    with pytest.raises(Exception) as err:  # noqa: PT011 - DomainError subclass
        services.refund_request(order=order, voucher=voucher, amount=payment.amount + 1, reason="x")
    assert getattr(err.value, "code", "") == "refund_exceeds_payment"
    assert not Refund.objects.exists()
