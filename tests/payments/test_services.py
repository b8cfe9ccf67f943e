"""Payments through the development gateway: each gateway report counts once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from o2o.errors import Conflict, NotFound
from orders.models import Order, Voucher
from orders.services import RefundReason, expire_vouchers, order_cancel, voucher_refund
from payments import services
from payments.models import Payment, Refund

from ..factories import OfferFactory, UserFactory, make_order

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


def test_every_status_change_of_a_payment_is_written_down(consumer, offer):
    order = make_order(consumer, offer, 1)
    first, _ = services.payment_start(order_id=order.pk, user=consumer)
    services.payment_failed(payment_id=first.pk, message="card declined")
    second, _ = services.payment_start(order_id=order.pk, user=consumer)
    services.payment_succeeded(payment_id=second.pk)
    services.payment_succeeded(payment_id=second.pk)  # reported again: nothing to write
    assert [(e.kind, e.from_status, e.to_status, e.note) for e in first.events.all()] == [
        ("created", "", "pending", "dev"),
        ("failed", "pending", "failed", "card declined"),
    ]
    assert [(e.kind, e.from_status, e.to_status) for e in second.events.all()] == [
        ("created", "", "pending"),
        ("captured", "pending", "succeeded"),
    ]


def test_a_late_capture_of_a_failed_attempt_is_recorded_and_pays_an_unpaid_order(consumer, offer):
    order = make_order(consumer, offer, 2)
    payment, _ = services.payment_start(order_id=order.pk, user=consumer)
    services.payment_failed(payment_id=payment.pk, message="timed out")
    services.payment_succeeded(payment_id=payment.pk)  # the provider captured it after all
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.vouchers.count() == 2
    late = payment.events.get(kind="late_capture")
    assert (late.from_status, late.to_status) == ("failed", "succeeded")
    assert not Refund.objects.exists()


def test_a_cancelled_intent_is_recorded_as_cancelled_and_may_still_be_captured_late(
    consumer, offer
):
    order = make_order(consumer, offer, 1)
    payment, _ = services.payment_start(order_id=order.pk, user=consumer)
    services.payment_failed(payment_id=payment.pk, message="canceled", canceled=True)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELED
    services.payment_succeeded(payment_id=payment.pk)
    assert payment.events.filter(kind="late_capture", from_status="canceled").exists()


def test_a_double_capture_is_refunded_whole_and_the_consumer_told(
    consumer, offer, django_capture_on_commit_callbacks
):
    order = make_order(consumer, offer, 1)
    first, _ = services.payment_start(order_id=order.pk, user=consumer)
    services.payment_failed(payment_id=first.pk, message="timed out")
    second, _ = services.payment_start(order_id=order.pk, user=consumer)
    services.payment_succeeded(payment_id=second.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_succeeded(payment_id=first.pk)
    refund = Refund.objects.get()
    assert (refund.payment, refund.amount, refund.reason) == (
        first,
        first.amount,
        "duplicate_payment",
    )
    assert refund.status == Refund.Status.SUCCEEDED
    assert [e.kind for e in first.events.all()] == ["created", "failed", "late_capture", "refunded"]
    told = consumer.notifications.get(kind="refund_done")
    assert f"Order #{order.pk}" in told.body
    assert "paid twice" in told.body


def double_captured(consumer, offer, **kwargs):
    """An order paid by its second attempt, its first captured late and refunded."""
    order = make_order(consumer, OfferFactory(**kwargs) if kwargs else offer, 2)
    first, _ = services.payment_start(order_id=order.pk, user=consumer)
    services.payment_failed(payment_id=first.pk, message="timed out")
    second, _ = services.payment_start(order_id=order.pk, user=consumer)
    services.payment_succeeded(payment_id=second.pk)
    services.payment_succeeded(payment_id=first.pk)
    return order, first, second


def test_after_a_double_capture_a_voucher_refund_comes_from_the_payment_that_paid(consumer, offer):
    order, _first, second = double_captured(consumer, offer, refundable=True)
    voucher = order.vouchers.order_by("number").first()
    voucher_refund(voucher_id=voucher.pk, by=consumer, reason=RefundReason.CUSTOMER)
    assert Refund.objects.get(voucher=voucher).payment == second


def test_after_a_double_capture_an_expiry_refund_comes_from_the_payment_that_paid(consumer, offer):
    order, _first, second = double_captured(consumer, offer, refund_on_expiry=True)
    Voucher.objects.filter(order=order).update(expires_at=timezone.now() - timedelta(minutes=1))
    expire_vouchers()
    assert {r.payment for r in Refund.objects.filter(voucher__order=order)} == {second}
    assert Refund.objects.filter(voucher__order=order).count() == 2
